"""Routes for the coach area."""

from flask import render_template
from flask_login import login_required

from hexqi.coach import bp


@bp.get("/")
@login_required
def dashboard() -> str:
    return render_template("placeholder.html", title="coach")
