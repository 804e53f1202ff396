"""The organisation admin's dashboard: its coaches, the hours given against the time released,
and its query count: fixed, whatever the number of coaches, approvals, months or transfers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from hexqi.extensions import db
from hexqi.models import Organisation, Person, Role, utcnow
from hexqi.services import admin, ledger
from hexqi.timefmt import combine_local, local_month_start, local_today, to_local
from tests import factories as f
from tests.factories import login
from tests.integration.reports_support import training_hours
from tests.queries import page_queries

ADMIN_QUERIES = 5  # the page runs 4: log-in 1, coaches 1, given this month 1, the figures 1


@dataclass
class Coach:
    name: str
    capacity: int
    approved: int | None = None


@dataclass
class Scene:
    org_id: int
    admin_id: int
    lead_id: int
    coaches: dict[int, Coach] = field(default_factory=dict)   # the role holders, by person
    approvals: list[tuple[int, datetime, int]] = field(default_factory=list)  # who, when, h
    moves: list[tuple[int, datetime, int]] = field(default_factory=list)
    # (person, posted, signed minutes) of hours given by the organisation's people

    def released(self, end: datetime) -> int:
        """Hours approved as of ``end``: each person's last approval before it."""
        last: dict[int, tuple[datetime, int, int]] = {}
        for n, (who, at, hours) in enumerate(self.approvals):
            if at < end and (who not in last or (at, n) >= last[who][:2]):
                last[who] = (at, n, hours)
        return sum(hours for _at, _n, hours in last.values())

    def given(self, month: str, who: int | None = None) -> int:
        return sum(minutes for person, at, minutes in self.moves
                   if to_local(at).strftime("%Y-%m") == month and who in (None, person))


def month_start(back: int) -> datetime:
    """10:00 UK time on the 1st of the UK calendar month ``back`` months ago, stored as UTC."""
    day = local_today().replace(day=1)
    for _ in range(back):
        day = (day - timedelta(days=1)).replace(day=1)
    return combine_local(day, time(10, 0))


def months(count: int) -> list[tuple[str, datetime]]:
    """This month and the ones before, newest first: ("YYYY-MM", when the month ends)."""
    out, day = [], local_today().replace(day=1)
    end = local_month_start((day + timedelta(days=31)).replace(day=1))
    for _ in range(count):
        out.append((day.strftime("%Y-%m"), end))
        end = local_month_start(day)
        day = (day - timedelta(days=1)).replace(day=1)
    return out


def approve(scene: Scene, who: int, hours: int, back: int) -> None:
    admin.approve_hours(db.session.get(Person, scene.admin_id), who, hours, at=month_start(back))
    scene.approvals.append((who, month_start(back), hours))
    scene.coaches[who].approved = hours


def train(scene: Scene, who: int, minutes: int, back: int, undo: bool = False) -> None:
    """Training the person ran ``back`` months ago (reversed an hour later with ``undo``)."""
    at = month_start(back) + timedelta(hours=len(scene.moves) % 5)
    posted = training_hours(db.session.get(Person, who), f.organisation(), minutes, at)
    scene.moves.append((who, at, minutes))
    if undo:
        ledger.reverse(posted.id, db.session.get(Person, scene.lead_id), "Did not happen",
                       at=at + timedelta(hours=1))
        scene.moves.append((who, at + timedelta(hours=1), -minutes))


def add_coach(scene: Scene, i: int) -> None:
    """A coach approved ``i % 3`` months ago, who gave training this month and last month
    (every other one also a training reversed), and was approved again later."""
    org = db.session.get(Organisation, scene.org_id)
    person = f.coach(org, capacity=4 + i % 4, approved=None, name=f"Coach {i:02d}")
    db.session.commit()
    scene.coaches[person.id] = Coach(person.name, 4 + i % 4)
    approve(scene, person.id, 2 + i % 3, back=i % 3)
    train(scene, person.id, 60 + 30 * (i % 2), back=0, undo=i % 2 == 1)
    train(scene, person.id, 90, back=1)
    if i % 3 == 2:
        approve(scene, person.id, 1, back=0)


def build() -> Scene:
    """Three coaches, a former coach whose time was approved two months ago, and another
    organisation's coach who is not shown."""
    trust = f.organisation("Acute Trust")
    boss = f.person(trust, Role.ORG_ADMIN, name="Olive Admin")
    lead = f.person(f.organisation("ICB"), Role.SYSTEM_LEAD)
    other = f.coach(f.organisation("GP Practice"), name="Gus GP")
    db.session.commit()
    scene = Scene(trust.id, boss.id, lead.id)
    training_hours(other, trust, 60, month_start(0))  # given by the GP's coach, not ours
    for i in range(3):
        add_coach(scene, i)
    former = f.coach(trust, capacity=6, approved=None, name="Fay Former")
    db.session.commit()
    scene.coaches[former.id] = Coach(former.name, 6)
    approve(scene, former.id, 4, back=2)
    train(scene, former.id, 30, back=1)
    admin.revoke_role(trust.system_id, lead, former.id, Role.COACH)
    scene.approvals.append((former.id, utcnow(), 0))  # the end of their protected time
    del scene.coaches[former.id]
    return scene


def grow(scene: Scene, n: int) -> None:
    for i in range(3, 3 + n):
        add_coach(scene, i)


def hours(minutes: int) -> str:
    """As the page shows minutes (whole and half hours only in these tests)."""
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes / 60:.1f} h"


def check_page(client, scene: Scene, per_page: int, count: int) -> None:  # type: ignore[no-untyped-def]
    login(client, db.session.get(Person, scene.admin_id))
    html = client.get(f"/org/?months={count}").get_data(as_text=True)
    now = months(1)[0][0]
    stats = re.findall(r'<span class="stat-value">([^<]*)</span>', html)
    usable = sum(min(c.capacity, c.approved or 0) for c in scene.coaches.values())
    assert stats == [f"{usable} h", hours(scene.given(now))]
    rows = re.findall(r'<tr>\s*<td>([^<]*)</td>\s*<td class="num">([^<]*)</td>\s*'
                      r'<td class="num">(\d+) h</td>', section(html, "history-title"))
    assert rows == [(datetime.strptime(key, "%Y-%m").strftime("%B %Y"), hours(scene.given(key)),
                     str(scene.released(end))) for key, end in months(count)]
    people = sorted(scene.coaches.items(), key=lambda item: (item[1].name, item[0]))
    assert f"Showing 1–{min(per_page, len(people))} of {len(people)}" in html
    for page in (1, 2):
        html = client.get(f"/org/?page={page}").get_data(as_text=True)
        shown = re.findall(r'<tr>\s*<td>([^<]*)</td>\s*<td class="num">(\d+) h</td>\s*'
                           r'<td class="num">(\d+) h</td>\s*<td class="num">([^<]*)</td>',
                           section(html, "coaches-title"))
        assert shown == [(c.name, str(c.capacity), str(min(c.capacity, c.approved or 0)),
                          hours(scene.given(now, who)))
                         for who, c in people[(page - 1) * per_page:page * per_page]]


def section(html: str, title: str) -> str:
    found = re.search(rf'id="{title}".*?</section>', html, re.S)
    assert found, title
    return found.group(0)


def all_queries(client, scene: Scene) -> dict[str, int]:  # type: ignore[no-untyped-def]
    login(client, db.session.get(Person, scene.admin_id))
    return {url: page_queries(client, url)
            for url in ("/org/", "/org/?page=2", "/org/?months=12", "/org/?page=99")}


def test_dashboard_shows_coaches_and_hours_given_against_released(app, client):
    app.config["PER_PAGE"] = 2
    scene = build()
    check_page(client, scene, 2, 6)
    grow(scene, 3)
    check_page(client, scene, 2, 6)
    check_page(client, scene, 2, 12)


def test_dashboard_queries_do_not_grow_with_coaches_approvals_or_transfers(app, client):
    app.config["PER_PAGE"] = 2  # a second page at both sizes
    scene = build()
    small = all_queries(client, scene)
    grow(scene, 6)
    check_page(client, scene, 2, 6)
    large = all_queries(client, scene)
    assert large == small
    assert all(n <= ADMIN_QUERIES for n in large.values()), large
