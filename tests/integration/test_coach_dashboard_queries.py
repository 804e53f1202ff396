"""The coach dashboard's figures, lists and history, and its query count: fixed, whatever the
number of proposals, teams, sessions and transfers on the page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import CoachProfile, Person, Role, Transfer, utcnow
from hexqi.services import coaching, ledger, sessions
from tests import factories as f
from tests.factories import login
from tests.integration.coach_support import Scene as CoachScene
from tests.integration.coach_support import accepted, proposal
from tests.integration.reports_support import training_hours
from tests.queries import page_queries

COACH_QUERIES = 11  # the page runs 10: log-in 1, profile and figures 1, balance 1,
#                     matches 3, upcoming 1, to confirm 1, transfers 1, their other parties 1


@dataclass
class Scene:
    coach_id: int
    max_teams: int
    proposals: int = 0
    teams: list[str] = field(default_factory=list)  # the accepted matches' team names
    upcoming: int = 0
    to_confirm: int = 0
    pending: int = 0      # minutes logged, either side, waiting for the other
    given: int = 0        # minutes of session credits posted this month
    balance: int = 0
    history: list[tuple[datetime, int, str, int]] = field(default_factory=list)
    # (posted, transfer id, the other party's name, signed minutes) of every transfer

    def posted(self, transfer: Transfer, other: str, earned: bool) -> None:
        signed = transfer.minutes if earned else -transfer.minutes
        self.history.append((transfer.created_at, transfer.id, other, signed))
        self.balance += signed

    def rows(self, page: int, per_page: int) -> list[tuple[str, int]]:
        """The history table's rows on ``page``: (with, signed minutes), newest first."""
        newest = sorted(self.history, key=lambda row: (row[0], row[1]), reverse=True)
        return [(other, signed) for _at, _id, other, signed in
                newest[(page - 1) * per_page:page * per_page]]


def add(scene: Scene, i: int, at: datetime) -> tuple[Transfer, CoachScene]:
    """One more of everything: a proposal, an accepted team with a session held and
    confirmed, one scheduled, one the team logged for the coach to confirm and one the coach
    logged, and a training event the coach ran for a host organisation."""
    coach = db.session.get(Person, scene.coach_id)
    proposal(coach)
    scene.proposals += 1
    work = accepted(coach)
    scene.teams.append(work.team.name)
    held = sessions.log_held_session(work.match.id, coach, at, 90, at=at + timedelta(hours=1))
    pending = sessions.pending_for(held.id)
    assert pending is not None
    done = ledger.confirm_pending(pending.id, work.member, at=at + timedelta(hours=2))
    scene.posted(done, work.team.name, earned=True)
    if done.created_at >= coaching.month_start():
        scene.given += 90
    sessions.schedule_session(work.match.id, coach, utcnow() + timedelta(days=1 + i), 60,
                              "virtual")
    scene.upcoming += 1
    sessions.log_held_session(work.match.id, work.member, at - timedelta(hours=3), 30)
    scene.to_confirm += 1
    sessions.log_held_session(work.match.id, coach, at - timedelta(hours=5), 60)
    scene.pending += 30 + 60
    host = f.organisation(f"Host {i}")
    scene.posted(training_hours(coach, host, 120, at + timedelta(hours=3)), host.name, True)
    return done, work


def build(start: datetime) -> Scene:
    """One of everything, a gift of hours to a team and a reversed session."""
    coach = f.coach(name="Cara Coach", max_teams=20)
    db.session.commit()
    scene = Scene(coach.id, max_teams=20)
    first, work = add(scene, 0, start)
    gift = ledger.donate(coach, work.team, 30, coach, at=start + timedelta(hours=4))
    scene.posted(gift, work.team.name, earned=False)
    undone = ledger.reverse(first.id, work.lead, "Logged twice", at=start + timedelta(hours=5))
    scene.posted(undone, work.team.name, earned=False)
    return scene


def grow(scene: Scene, n: int, start: datetime) -> None:
    for i in range(1, n + 1):
        add(scene, i, start + timedelta(hours=6 * i))


def hours(minutes: int) -> str:
    """As the page shows minutes (whole and half hours only in these tests)."""
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes / 60:.1f} h"


def section(html: str, title: str) -> str:
    found = re.search(rf'id="{title}".*?</section>', html, re.S)
    assert found, title
    return found.group(0)


def history_rows(html: str) -> list[tuple[str, int]]:
    rows = re.findall(r'<tr>\s*<td>[^<]*</td>\s*<td>.*?</td>\s*<td>([^<]*)</td>\s*'
                      r'<td class="num">(\+|<span class="minus">−)([\d.]+) h', html, re.S)
    return [(other, round(float(h) * 60) * (1 if sign == "+" else -1))
            for other, sign, h in rows]


def check_page(client, scene: Scene, per_page: int) -> None:  # type: ignore[no-untyped-def]
    login(client, db.session.get(Person, scene.coach_id))
    html = client.get("/coach/").get_data(as_text=True)
    stats = re.findall(r'<span class="stat-value">([^<]*)</span>', html)
    assert stats == [hours(scene.given), hours(scene.balance), hours(scene.pending),
                     f"{len(scene.teams)} of {scene.max_teams}"]
    proposals = section(html, "proposals-title")
    assert proposals.count("/accept") == scene.proposals
    assert proposals.count("PDSA cycles (level 1+)") == scene.proposals
    assert proposals.count("Wed afternoon, Thu morning") == scene.proposals
    assert section(html, "confirm-title").count("/confirm") == scene.to_confirm
    assert section(html, "upcoming-title").count("add to calendar") == scene.upcoming
    teams = re.findall(r'<a href="/coach/matches/\d+">([^<]*)</a>',
                       section(html, "teams-title"))
    assert sorted(teams) == sorted(scene.teams)
    total = len(scene.history)
    assert f"Showing 1–{min(per_page, total)} of {total}" in html
    assert history_rows(html) == scene.rows(1, per_page)
    second = client.get("/coach/?page=2").get_data(as_text=True)
    assert history_rows(second) == scene.rows(2, per_page)


def all_queries(client, scene: Scene) -> dict[str, int]:  # type: ignore[no-untyped-def]
    login(client, db.session.get(Person, scene.coach_id))
    return {url: page_queries(client, url)
            for url in ("/coach/", "/coach/?page=2", "/coach/?page=99")}


@pytest.fixture
def start() -> datetime:
    return (utcnow() - timedelta(days=2)).replace(second=0, microsecond=0)


def test_dashboard_shows_the_coachs_figures_lists_and_history(app, client, start):
    app.config["PER_PAGE"] = 3
    scene = build(start)
    check_page(client, scene, 3)
    grow(scene, 2, start)
    check_page(client, scene, 3)


def test_dashboard_queries_do_not_grow_with_proposals_teams_sessions_or_transfers(
        app, client, start):
    app.config["PER_PAGE"] = 3  # a second page at both sizes
    scene = build(start)
    small = all_queries(client, scene)
    grow(scene, 6, start)
    check_page(client, scene, 3)
    large = all_queries(client, scene)
    assert large == small
    assert all(n <= COACH_QUERIES for n in large.values()), large


def test_the_first_visit_creates_the_profile(app, client):
    person = f.person(None, Role.COACH)
    db.session.commit()
    login(client, person)
    html = client.get("/coach/").get_data(as_text=True)
    assert "has not yet approved protected time" in html
    assert "No proposals waiting" in html and "No transfers yet" in html
    profile = db.session.scalar(sa.select(CoachProfile).where(
        CoachProfile.person_id == person.id))
    assert profile is not None and profile.approved_hours is None


def test_an_approved_coach_without_skills_is_asked_to_add_them(app, client):
    coach = f.coach(approved=4)
    db.session.commit()
    login(client, coach)
    assert "Add the QI skills you can coach" not in client.get("/coach/").get_data(as_text=True)
    coach.coach_profile.skills.clear()
    db.session.commit()
    assert "Add the QI skills you can coach" in client.get("/coach/").get_data(as_text=True)
