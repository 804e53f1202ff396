"""The team dashboard's figures, and its query count: fixed, whatever the number of requests,
sessions to confirm, members and teams on the page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from hexqi.extensions import db
from hexqi.models import (
    CoachingSession,
    Match,
    MatchStatus,
    Person,
    Role,
    Team,
    TeamMember,
    utcnow,
)
from hexqi.services import ledger
from tests import factories as f
from tests.factories import login
from tests.integration.reports_support import session_hours, training_hours
from tests.queries import page_queries

MEMBER_QUERIES = 10  # the page runs 9: log-in 2, teams 1, requests 2, sessions 1, hours 3
VIEWER_QUERIES = 11  # an admin or a system lead also loads the team (a lead: their organisation)


@dataclass
class Scene:
    team_id: int
    member_id: int
    admin_id: int
    lead_id: int
    received: int = 0       # minutes the team received, net of reversals
    given: int = 0          # minutes its members gave, net of reversals
    pending: int = 0        # minutes logged against the team, not yet confirmed
    members: int = 1
    to_confirm: list[str] = field(default_factory=list)  # notes of the coaches' logs
    teams: list[str] = field(default_factory=list)       # the member's team names


def _pending_session(scene: Scene, logged_by: Person | None, minutes: int, note: str,
                     at: datetime) -> None:
    """A held session of a new request of the team, logged by its coach (or ``logged_by``)
    and waiting for the other side."""
    coach = f.coach(name=f"Coach for {note}")
    req = f.support_request(db.session.get(Team, scene.team_id),
                            db.session.get(Person, scene.member_id), title=f"Project {note}")
    match = Match(request=req, coach_id=coach.id, status=MatchStatus.ACCEPTED, published=True)
    db.session.add(match)
    db.session.flush()
    held = CoachingSession(match_id=match.id, starts_at=at, minutes=minutes, notes=note)
    db.session.add(held)
    db.session.commit()
    ledger.log_session(held, logged_by or coach, at=at + timedelta(hours=1))
    scene.pending += minutes
    if logged_by is None:
        scene.to_confirm.append(note)


def build(start: datetime) -> Scene:
    """A team with one member, a received session and one reversed, a member's training and
    one reversed, a session the coach logged and one the member logged."""
    member = f.person(None, Role.TEAM_MEMBER, name="Asha Member")
    tm = f.team(member.organisation, [member], name="Ward 7")
    admin = f.person(member.organisation, Role.ORG_ADMIN)
    lead = f.person(f.organisation(), Role.SYSTEM_LEAD)
    db.session.commit()
    scene = Scene(tm.id, member.id, admin.id, lead.id, teams=["Ward 7"])
    host = f.organisation("Host")
    session_hours(f.coach(), tm, member, 90, start)
    wrong = session_hours(f.coach(), tm, member, 60, start + timedelta(hours=3))
    ledger.reverse(wrong.id, lead, "Logged twice")
    training_hours(member, host, 120, start + timedelta(days=1))
    wrong = training_hours(member, host, 30, start + timedelta(days=1, hours=3))
    ledger.reverse(wrong.id, lead, "Did not happen")
    scene.received, scene.given = 90, 120
    _pending_session(scene, None, 60, "Base coach log", start + timedelta(days=2))
    _pending_session(scene, member, 30, "Base member log", start + timedelta(days=2, hours=3))
    return scene


def grow(scene: Scene, n: int, start: datetime) -> None:
    """``n`` more of everything: received sessions, sessions to confirm (each with its own
    coach), members who gave training hours, and other teams of the member."""
    member = db.session.get(Person, scene.member_id)
    tm = db.session.get(Team, scene.team_id)
    for i in range(n):
        at = start + timedelta(days=3 + i)
        session_hours(f.coach(), tm, member, 30, at)
        scene.received += 30
        _pending_session(scene, None, 30, f"Coach log {i}", at + timedelta(hours=3))
        colleague = f.person(tm.organisation, Role.TEAM_MEMBER, name=f"Colleague {i}")
        tm.members.append(TeamMember(person=colleague))
        db.session.commit()
        training_hours(colleague, f.organisation(), 60, at + timedelta(hours=6))
        scene.given += 60
        scene.members += 1
        f.team(f.organisation(), [member], name=f"Wing {i}")
        scene.teams.append(f"Wing {i}")  # after Ward 7: /team/ still shows Ward 7
    db.session.commit()


def hours(minutes: int) -> str:
    """As the page shows minutes (whole and half hours only in these tests)."""
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes / 60:.1f} h"


def check_page(client, scene: Scene) -> None:  # type: ignore[no-untyped-def]
    login(client, db.session.get(Person, scene.member_id))
    html = client.get(f"/team/?team={scene.team_id}").get_data(as_text=True)

    def stat(label: str) -> str:
        found = re.search(rf"{label}</dt><dd class=\"stat-value\">([^<]*)</dd>", html)
        assert found, label
        return found.group(1)

    assert stat("Coaching received") == hours(scene.received)
    plural = "" if scene.members == 1 else "s"
    assert stat(f"Given by our {scene.members} member{plural}") == hours(scene.given)
    assert stat("Team balance") == hours(-scene.received)
    assert stat("Waiting to be confirmed") == hours(scene.pending)
    floor = db.session.get(Team, scene.team_id).organisation.system.credit_floor_minutes
    assert stat(rf"Room above the credit floor \({hours(floor)}\)") == hours(
        -scene.received - scene.pending - floor)
    notes = re.findall(r"<p>Notes: ([^<]*)</p>", html)
    assert sorted(notes) == sorted(scene.to_confirm)
    assert html.count('class="button">Confirm ') == len(scene.to_confirm)
    switcher = re.findall(r'<option value="\d+"[^>]*>([^<]*) \(', html)
    assert sorted(switcher) == (sorted(scene.teams) if len(scene.teams) > 1 else [])


def queries(client, person_id: int, url: str) -> int:  # type: ignore[no-untyped-def]
    login(client, db.session.get(Person, person_id))
    return page_queries(client, url)


def all_queries(client, scene: Scene) -> dict[str, int]:  # type: ignore[no-untyped-def]
    team = f"/team/?team={scene.team_id}"
    return {
        "member": queries(client, scene.member_id, "/team/"),
        "member, team": queries(client, scene.member_id, team),
        "member, page 2": queries(client, scene.member_id, team + "&page=2"),
        "admin": queries(client, scene.admin_id, team),
        "lead": queries(client, scene.lead_id, team),
    }


@pytest.fixture
def start() -> datetime:
    return (utcnow() - timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)


def test_dashboard_shows_the_teams_hours_net_of_reversals(app, client, start):
    scene = build(start)
    check_page(client, scene)
    grow(scene, 2, start)
    check_page(client, scene)


def test_dashboard_queries_do_not_grow_with_requests_sessions_members_or_teams(
        app, client, start):
    app.config["PER_PAGE"] = 3  # a second page at both sizes
    scene = build(start)
    small = all_queries(client, scene)
    grow(scene, 6, start)
    check_page(client, scene)
    large = all_queries(client, scene)
    assert large == small
    assert all(n <= MEMBER_QUERIES for key, n in large.items() if key.startswith("member")), large
    assert large["admin"] <= VIEWER_QUERIES and large["lead"] <= VIEWER_QUERIES, large
