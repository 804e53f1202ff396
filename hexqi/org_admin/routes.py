"""Routes for the org_admin area."""

from flask import render_template
from flask_login import login_required

from hexqi.org_admin import bp


@bp.get("/")
@login_required
def dashboard() -> str:
    return render_template("placeholder.html", title="org_admin")
