"""Error handlers: HTML for pages, JSON for API clients; roll back on 500."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from hexqi.extensions import db


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or best == "application/json"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        code = exc.code or 500
        if code >= 500:
            db.session.rollback()
        if _wants_json():
            return jsonify(error=exc.name, message=exc.description), code
        return render_template("errors/error.html", code=code, title=exc.name,
                               message=exc.description), code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        db.session.rollback()
        app.logger.exception("unhandled error")
        if _wants_json():
            return jsonify(error="Internal Server Error",
                           message="Something went wrong; nothing was saved."), 500
        return render_template("errors/error.html", code=500, title="Something went wrong",
                               message="Something went wrong on our side and nothing was saved. "
                                       "Please try again."), 500
