"""HexQI: a cross-organisation timebank and mentoring matcher for quality improvement."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from config import config_for

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None, config_name: str | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    _configure(app, test_config, config_name)
    _register_extensions(app)
    _register_blueprints(app)
    _register_templates(app)
    _register_errors(app)
    _register_cli(app)
    return app


def _configure(app: Flask, test_config: dict[str, Any] | None, config_name: str | None) -> None:
    settings = config_for("testing" if test_config is not None and config_name is None
                          else config_name)
    if hasattr(settings, "check"):
        settings.check()
    app.config.from_object(settings)
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)


def _register_extensions(app: Flask) -> None:
    from hexqi import models  # noqa: F401  (register the tables with the metadata)
    from hexqi.extensions import csrf, db, login, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login.init_app(app)
    csrf.init_app(app)

    @login.user_loader
    def load_person(person_id: str) -> Any:
        from sqlalchemy.orm import joinedload

        from hexqi.models import Person

        # roles and organisation come with the person: nearly every page reads both
        return db.session.get(Person, int(person_id), options=[
            joinedload(Person.role_rows), joinedload(Person.organisation)])


def _register_blueprints(app: Flask) -> None:
    from hexqi.auth import bp as auth_bp
    from hexqi.coach import bp as coach_bp
    from hexqi.main import bp as main_bp
    from hexqi.org_admin import bp as org_admin_bp
    from hexqi.reports import bp as reports_bp
    from hexqi.system import bp as system_bp
    from hexqi.team import bp as team_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(coach_bp, url_prefix="/coach")
    app.register_blueprint(team_bp, url_prefix="/team")
    app.register_blueprint(system_bp, url_prefix="/system")
    app.register_blueprint(org_admin_bp, url_prefix="/org")
    app.register_blueprint(reports_bp, url_prefix="/reports")


def _register_templates(app: Flask) -> None:
    from hexqi import timefmt

    timefmt.register(app)


def _register_errors(app: Flask) -> None:
    from hexqi.errors import register_error_handlers

    register_error_handlers(app)


def _register_cli(app: Flask) -> None:
    from hexqi.cli import bp as cli_bp

    app.register_blueprint(cli_bp)
