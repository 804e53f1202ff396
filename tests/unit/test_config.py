"""Settings come from the environment; production refuses to start without its secret."""

from __future__ import annotations

import importlib

import pytest

import config.settings


def _reload(monkeypatch: pytest.MonkeyPatch, **env: str) -> object:
    for key in ("SECRET_KEY", "DATABASE_URL", "HEXQI_CREDIT_FLOOR_MINUTES"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return importlib.reload(config.settings)


@pytest.fixture(autouse=True)
def _restore() -> object:
    yield
    importlib.reload(config.settings)


def test_sqlite_under_instance_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _reload(monkeypatch)
    uri = settings.DevelopmentConfig.SQLALCHEMY_DATABASE_URI
    assert uri.startswith("sqlite:///") and uri.endswith("instance/hexqi.sqlite")


def test_database_url_names_postgresql_with_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _reload(monkeypatch, DATABASE_URL="postgres://u@db.example/hexqi")
    assert settings.Config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@db.example/hexqi"


def test_production_refuses_to_start_without_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    _reload(monkeypatch, DATABASE_URL="sqlite://")
    from hexqi import create_app

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config_name="production")
    _reload(monkeypatch, DATABASE_URL="sqlite://", SECRET_KEY="s3cret-for-the-test")
    app = create_app(config_name="production")
    assert app.config["SECRET_KEY"] == "s3cret-for-the-test"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_a_bad_number_in_the_environment_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RuntimeError, match="HEXQI_CREDIT_FLOOR_MINUTES"):
        _reload(monkeypatch, HEXQI_CREDIT_FLOOR_MINUTES="minus twenty")
