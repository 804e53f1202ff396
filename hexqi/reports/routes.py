"""Routes for the reports area."""

from flask import render_template
from flask_login import login_required

from hexqi.reports import bp


@bp.get("/")
@login_required
def dashboard() -> str:
    return render_template("placeholder.html", title="reports")
