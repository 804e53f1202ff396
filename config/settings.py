"""HexQI settings.

Every setting reads the environment once, when the class body runs, so a
deployment changes behaviour with environment variables alone. SQLite under
``instance/`` is the embedded default; ``DATABASE_URL`` points at PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Heroku-style URLs name the old driver; SQLAlchemy 2 wants psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from exc


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE / 'hexqi.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}
    WTF_CSRF_ENABLED = True
    # The timebank's default credit floor, in minutes (-20 hours).
    CREDIT_FLOOR_MINUTES = _int("HEXQI_CREDIT_FLOOR_MINUTES", -20 * 60)
    # A pending session transfer that is neither confirmed nor declined expires.
    PENDING_EXPIRY_DAYS = _int("HEXQI_PENDING_EXPIRY_DAYS", 30)
    REDIS_URL = os.environ.get("REDIS_URL", "")
    MATCHING_TIME_LIMIT = _int("HEXQI_MATCHING_TIME_LIMIT", 20)
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") in {"1", "true", "yes"}
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "hexqi@localhost")
    PER_PAGE = _int("HEXQI_PER_PAGE", 25)
    # Times are stored as UTC; people type and read them in this zone (an IANA name).
    DISPLAY_TIMEZONE = os.environ.get("HEXQI_DISPLAY_TIMEZONE") or "Europe/London"
    # The outbox page shows recorded notifications (development and testing only by default).
    OUTBOX_VISIBLE = os.environ.get("HEXQI_OUTBOX_VISIBLE", "1") in {"1", "true", "yes"}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"


class DevelopmentConfig(Config):
    DEBUG = False  # the debugger is opt-in through FLASK_DEBUG


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing"
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = _database_url("sqlite://")
    MAIL_SERVER = ""


class ProductionConfig(Config):
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SESSION_COOKIE_SECURE = True
    OUTBOX_VISIBLE = os.environ.get("HEXQI_OUTBOX_VISIBLE", "") in {"1", "true", "yes"}

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set in production")


def config_for(name: str | None) -> type[Config]:
    name = (name or os.environ.get("HEXQI_CONFIG") or "development").lower()
    try:
        return {
            "development": DevelopmentConfig,
            "testing": TestingConfig,
            "production": ProductionConfig,
        }[name]
    except KeyError as exc:
        raise RuntimeError(f"unknown HEXQI_CONFIG {name!r}") from exc
