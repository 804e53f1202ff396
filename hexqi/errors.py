"""Error handlers: HTML for pages, JSON for API clients; roll back on 500.

Every error a user can meet renders ``templates/errors/error.html`` with a
plain title and message; no traceback ever reaches the browser. Domain errors
a view forgot to catch still answer sensibly (NotFound 404, Forbidden 403,
Conflict 409, InvalidInput 400) after rolling the session back.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from hexqi.extensions import db
from hexqi.services.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound

FRIENDLY: dict[int, tuple[str, str]] = {
    400: ("Something in that request was not right",
          "Please go back, check what you entered and try again."),
    403: ("You can't do that",
          "Your account does not have the role this page needs. If you think it should, "
          "ask your organisation admin or a system lead."),
    404: ("Page not found",
          "We couldn't find that page. It may have moved, or you may not have access to it."),
    405: ("That action isn't available here",
          "This page does not accept that kind of request. Please use the buttons on the page."),
    409: ("That has already changed",
          "Someone changed this while you were looking at it. Reload the page and try again."),
    413: ("That was too large", "Please send something smaller."),
    429: ("Too many tries", "Please wait a minute and try again."),
    500: ("Something went wrong",
          "Something went wrong on our side and nothing was saved. Please try again."),
}
CSRF_MESSAGE = "Your form expired; please try again."
_BARE_PAGE = ('<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
              '<meta name="viewport" content="width=device-width, initial-scale=1">'
              '<title>{title} · HexQI</title></head><body><main id="main">'
              '<p>Error {code}</p><h1>{title}</h1><p>{message}</p>'
              '<p><a href="/">Go to the home page</a></p></main></body></html>')
_DOMAIN_CODES: list[tuple[type[DomainError], int]] = [
    (NotFound, 404), (Forbidden, 403), (Conflict, 409), (InvalidInput, 400)]


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or best == "application/json"


def error_response(code: int, title: str | None = None, message: str | None = None,
                   headers: list[tuple[str, str]] | None = None) -> Response:
    """The friendly error page (or JSON) for ``code``."""
    default_title, default_message = FRIENDLY.get(code, FRIENDLY[500 if code >= 500 else 400])
    title, message = title or default_title, message or default_message
    if _wants_json():
        response = jsonify(error=title, message=message)
    else:
        try:
            html = render_template("errors/error.html", code=code, title=title, message=message)
        except Exception:  # e.g. the database is down and the layout cannot load the person
            current_app.logger.exception("could not render the error page")
            html = _BARE_PAGE.format(code=code, title=escape(title), message=escape(message))
        response = make_response(html)
    response.status_code = code
    for name, value in headers or []:
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Response:
        return error_response(400, "Your form expired", CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = exc.code or 500
        if code >= 500:
            db.session.rollback()
        # A view may abort(404, description="...") with its own words; otherwise ours.
        custom = exc.description if exc.description != type(exc).description else None
        return error_response(code, None if code in FRIENDLY else exc.name, custom,
                              headers=exc.get_headers())

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> Response:
        db.session.rollback()
        code = next((c for kind, c in _DOMAIN_CODES if isinstance(exc, kind)), 400)
        # A NotFound says no more than "not found", so existence is not leaked.
        return error_response(code, None, None if code == 404 else str(exc) or None)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        db.session.rollback()
        app.logger.exception("unhandled error")
        return error_response(500)
