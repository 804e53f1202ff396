"""Confirming or declining a logged session's hours: the one step the coach's and the team's
pages share. Each area checks who may see the session and picks where to go back to."""

from __future__ import annotations

from flask import abort, flash
from flask_wtf import FlaskForm

from hexqi.models import Person
from hexqi.services import sessions
from hexqi.services.errors import DomainError, NotFound

CONFIRMED = "Hours confirmed. Thank you."
DECLINED = ("Hours declined: no hours move. If the session did happen, agree the details "
            "and log it again.")
EXPIRED = "Your form expired; please try again."


def decide_session(session_id: int, actor: Person, confirm: bool) -> None:
    """Confirm (or decline) the hours and flash what happened. An unknown session answers 404;
    a refusal (not the other party, already decided) and an expired form are flashed."""
    if not FlaskForm().validate_on_submit():  # the CSRF token
        flash(EXPIRED, "error")
        return
    try:
        if confirm:
            sessions.confirm_session(session_id, actor)
        else:
            sessions.decline_session(session_id, actor)
    except NotFound:
        abort(404)
    except DomainError as exc:
        flash(str(exc), "error")
    else:
        flash(CONFIRMED if confirm else DECLINED, "success")
