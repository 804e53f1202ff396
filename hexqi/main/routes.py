"""The front page (a landing page, or a logged-in person's home) and the outbox."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, render_template, request
from flask_login import current_user, login_required

from hexqi.access import organisation_filter
from hexqi.extensions import db
from hexqi.main import bp
from hexqi.main.context import AREAS, outbox_visible
from hexqi.models import OutboxMessage, Person, Role

# What each area is for, in the words on its home-page card.
AREA_BLURBS: dict[str, str] = {
    "coach.dashboard": "Proposals to accept, upcoming sessions, hours to confirm and your balance.",
    "team.dashboard": "Ask for QI coaching, follow your requests and confirm the hours "
                      "you received.",
    "system.dashboard": "Run a matching round, review the proposals and publish them.",
    "reports.dashboard": "Hours exchanged between organisations, the Learn/Live/Lead pipeline "
                         "and impact.",
    "org_admin.dashboard": "Approve your coaches' protected time and see what your staff gave.",
}


@bp.get("/")
def index() -> str:
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    roles = current_user.roles
    areas = [(endpoint, label, AREA_BLURBS[endpoint])
             for role, endpoint, label in AREAS if role in roles]
    return render_template("main/home.html", areas=areas)


@bp.get("/outbox")
@login_required
def outbox() -> str:
    """Notifications recorded for the current person (a system lead sees everyone's)."""
    if not outbox_visible():
        abort(404)
    query = sa.select(OutboxMessage).order_by(OutboxMessage.created_at.desc(),
                                              OutboxMessage.id.desc())
    everyone = current_user.has_role(Role.SYSTEM_LEAD)
    if everyone:  # every message to a person in the system lead's system
        query = query.join(Person, Person.id == OutboxMessage.to_person_id).where(
            organisation_filter(current_user, Person.organisation_id))
    else:
        query = query.where(OutboxMessage.to_person_id == current_user.id)
    page = db.paginate(query, page=request.args.get("page", 1, type=int),
                       per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("main/outbox.html", page=page, everyone=everyone)
