"""Shared fixtures.

Every integration test gets its own database built by the real Alembic
migrations (never ``create_all``): SQLite by default, PostgreSQL when
``TEST_DATABASE_URL`` (or ``DATABASE_URL``) names a PostgreSQL server. The
migrated database is built once per run and cloned for each test (a file copy
on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so tests are isolated
and fast.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from hexqi import create_app
from hexqi.extensions import db

_counter = itertools.count()


def _server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url and url.startswith(("postgres://", "postgresql")):
        return url.replace("postgres://", "postgresql+psycopg://", 1).replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
    return None


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


class DatabaseFactory:
    """Makes a freshly migrated database for each test."""

    def __init__(self, tmp: Path) -> None:
        self.server = _server_url()
        self.tmp = tmp
        if self.server:
            self.admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT")
            self.template = f"hexqi_tmpl_{os.getpid()}"
            with self.admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {self.template}"))
                conn.execute(sa.text(f"CREATE DATABASE {self.template}"))
            _migrate(self._url_for(self.template))
            self.created: list[str] = []
        else:
            self.template_file = tmp / "template.sqlite"
            _migrate(f"sqlite:///{self.template_file}")

    @property
    def dialect(self) -> str:
        return "postgresql" if self.server else "sqlite"

    def _url_for(self, name: str) -> str:
        assert self.server
        return str(sa.engine.make_url(self.server).set(database=name).render_as_string(
            hide_password=False))

    def new(self) -> str:
        n = next(_counter)
        if self.server:
            name = f"hexqi_t_{os.getpid()}_{n}"
            with self.admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
                conn.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {self.template}"))
            self.created.append(name)
            return self._url_for(name)
        path = self.tmp / f"test_{n}.sqlite"
        shutil.copy(self.template_file, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        if self.server:
            name = sa.engine.make_url(url).database
            with self.admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def close(self) -> None:
        if self.server:
            with self.admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {self.template} WITH (FORCE)"))
            self.admin.dispose()


def _test_engine_options(url: str) -> dict[str, object]:
    """Test databases are throwaway: PostgreSQL need not wait for WAL flushes at commit."""
    if url.startswith("postgresql"):
        return {"connect_args": {"options": "-c synchronous_commit=off"}}
    return {}


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    # SQLite files live in memory (tmpfs) when the machine has one: fsync is then free.
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        with tempfile.TemporaryDirectory(dir=shm, prefix="hexqi-tests-") as tmp:
            factory = DatabaseFactory(Path(tmp))
            yield factory
            factory.close()
    else:
        factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
        yield factory
        factory.close()


@pytest.fixture
def database_url(databases: DatabaseFactory) -> Iterator[str]:
    url = databases.new()
    yield url
    databases.drop(url)


def make_app(database_url: str, **settings: object) -> Flask:
    """The real app on a test database.

    Tests keep one application context open across many test-client requests, so ``g`` would
    carry Flask-Login's cached person from one request to the next; each request here loads
    its own person from its own cookie, as it does in production where every request has its
    own context.
    """
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                      "SQLALCHEMY_ENGINE_OPTIONS": _test_engine_options(database_url),
                      **settings})

    @app.before_request
    def _fresh_login() -> None:
        from flask import g

        g.pop("_login_user", None)

    return app


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
