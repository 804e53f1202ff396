"""Routes for the team area."""

from flask import render_template
from flask_login import login_required

from hexqi.team import bp


@bp.get("/")
@login_required
def dashboard() -> str:
    return render_template("placeholder.html", title="team")
