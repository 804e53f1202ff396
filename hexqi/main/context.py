"""What every page's layout needs: the navigation for the person's roles, outbox visibility."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for
from flask_login import current_user

from hexqi.main import bp
from hexqi.models import Role

# (role, endpoint, label), in the order they appear in the navigation.
AREAS: tuple[tuple[Role, str, str], ...] = (
    (Role.COACH, "coach.dashboard", "My coaching"),
    (Role.TEAM_MEMBER, "team.dashboard", "My team"),
    (Role.SYSTEM_LEAD, "system.dashboard", "Matching"),
    (Role.SYSTEM_LEAD, "reports.dashboard", "Reports"),
    (Role.ORG_ADMIN, "org_admin.dashboard", "My organisation"),
)


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: str
    url: str
    current: bool


def outbox_visible() -> bool:
    """The outbox page exists in development and testing (or when OUTBOX_VISIBLE is set)."""
    return bool(current_app.config.get("DEBUG") or current_app.config.get("OUTBOX_VISIBLE"))


def _link(endpoint: str, label: str) -> NavLink:
    blueprint = endpoint.partition(".")[0]
    here = request.endpoint or ""
    current = here == endpoint if blueprint in {"main", "auth"} else (
        request.blueprint == blueprint)
    return NavLink(endpoint, label, url_for(endpoint), current)


def nav_links() -> list[NavLink]:
    """The area links the logged-in person's roles allow (none when logged out)."""
    if not current_user.is_authenticated:
        return []
    roles = current_user.roles
    links = [_link(endpoint, label) for role, endpoint, label in AREAS if role in roles]
    if outbox_visible():
        links.append(_link("main.outbox", "Outbox"))
    links.append(_link("auth.password", "Password"))
    return links


@bp.app_context_processor
def layout_context() -> dict[str, Any]:
    return {"nav_links": nav_links, "outbox_visible": outbox_visible}
