"""Protected time approvals kept month by month: the history ``approve_hours`` appends, and the
hours released each month on the organisation admin's dashboard."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hexqi.extensions import db
from hexqi.models import CoachProfile, Person, PersonRole, ProtectedTimeApproval, Role, utcnow
from hexqi.services import admin
from hexqi.services.errors import Forbidden, InvalidInput, NotFound
from hexqi.timefmt import combine_local, local_today
from tests import factories as f
from tests.factories import login
from tests.queries import count_queries

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def org(app):
    trust = f.organisation("Acute Trust")
    boss = f.person(trust, Role.ORG_ADMIN, name="Olive Admin")
    ada = f.coach(trust, capacity=8, approved=None, name="Ada Coach")
    ben = f.coach(trust, capacity=6, approved=None, name="Ben Coach")
    cy = f.coach(trust, capacity=10, approved=None, name="Cy Coach")  # never approved
    gp = f.organisation("GP Practice")
    gp_admin = f.person(gp, Role.ORG_ADMIN, name="Gail Admin")
    gus = f.coach(gp, capacity=5, approved=None, name="Gus GP")
    db.session.commit()
    return {"trust": trust, "boss": boss, "ada": ada, "ben": ben, "cy": cy, "gp": gp,
            "gp_admin": gp_admin, "gus": gus}


def history(person: Person) -> list[tuple[int, int, int | None]]:
    """The coach's approvals, oldest first: (hours, organisation, approved by)."""
    db.session.expire_all()
    return [tuple(r) for r in db.session.execute(
        sa.select(ProtectedTimeApproval.hours, ProtectedTimeApproval.organisation_id,
                  ProtectedTimeApproval.approved_by_id)
        .where(ProtectedTimeApproval.person_id == person.id)
        .order_by(ProtectedTimeApproval.approved_at, ProtectedTimeApproval.id))]


def approved_now(person: Person) -> int | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(CoachProfile.approved_hours)
                             .where(CoachProfile.person_id == person.id))


def all_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProtectedTimeApproval))


# --- the history ------------------------------------------------------------------------------

def test_a_change_is_appended_and_a_repeat_is_not(org):
    boss, ada, trust = org["boss"], org["ada"], org["trust"]
    admin.approve_hours(boss, ada.id, 5)
    assert history(ada) == [(5, trust.id, boss.id)] and approved_now(ada) == 5
    admin.approve_hours(boss, ada.id, 5)  # the same hours again
    assert history(ada) == [(5, trust.id, boss.id)]
    admin.approve_hours(boss, ada.id, 8)
    admin.approve_hours(boss, ada.id, 0)
    assert history(ada) == [(5, trust.id, boss.id), (8, trust.id, boss.id),
                            (0, trust.id, boss.id)]
    assert approved_now(ada) == 0
    row = db.session.scalars(sa.select(ProtectedTimeApproval)
                             .order_by(ProtectedTimeApproval.id.desc())).first()
    assert row.approved_at.tzinfo is None  # naive UTC like every stored time
    assert abs(row.approved_at - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)


def test_approving_on_the_page_appends_to_the_history(client, org):
    login(client, org["boss"])
    ada = org["ada"]
    assert client.post(f"/org/coaches/{ada.id}/approve",
                       data={"approved_hours": "4"}).status_code == 302
    assert client.post(f"/org/coaches/{ada.id}/approve",
                       data={"approved_hours": "4"}).status_code == 302
    assert history(ada) == [(4, org["trust"].id, org["boss"].id)]
    # a refused value writes nothing
    assert client.post(f"/org/coaches/{ada.id}/approve",
                       data={"approved_hours": "9"}).status_code == 422
    assert client.post(f"/org/coaches/{ada.id}/approve",
                       data={"approved_hours": ""}).status_code == 422
    assert history(ada) == [(4, org["trust"].id, org["boss"].id)] and approved_now(ada) == 4


def test_a_refused_approval_writes_nothing(org):
    admin.approve_hours(org["boss"], org["ben"].id, 3)
    before = all_rows()
    with pytest.raises(Forbidden):
        admin.approve_hours(org["ada"], org["ada"].id, 3)  # a coach is no admin
    with pytest.raises(NotFound):
        admin.approve_hours(org["boss"], org["gus"].id, 3)  # another organisation's coach
    for bad in (9, -1, True, "4", 4.0, None):
        with pytest.raises(InvalidInput):
            admin.approve_hours(org["boss"], org["ada"].id, bad)
    with pytest.raises(InvalidInput):
        admin.approve_hours(org["boss"], org["ben"].id, 7)  # Ben offers 6
    assert all_rows() == before == 1
    assert approved_now(org["ada"]) is None and approved_now(org["ben"]) == 3
    assert approved_now(org["gus"]) is None


def test_a_failure_while_writing_the_history_leaves_the_approval_as_it_was(org):
    """The approval and its history row are one transaction: when the row cannot be written
    (here its approver does not exist), the coach's approved hours stay as they were."""
    admin.approve_hours(org["boss"], org["ada"].id, 2)
    ghost = Person(id=10**6, organisation_id=org["trust"].id,
                   role_rows=[PersonRole(role=Role.ORG_ADMIN)])
    with pytest.raises(IntegrityError):
        admin.approve_hours(ghost, org["ada"].id, 6)
    assert approved_now(org["ada"]) == 2
    assert history(org["ada"]) == [(2, org["trust"].id, org["boss"].id)]


# --- released, month by month -----------------------------------------------------------------

def uk_month_end(key: str) -> datetime:
    """The first instant after a UK calendar month ("YYYY-MM"), as naive UTC."""
    year, month = map(int, key.split("-"))
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 1, tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)


def month_keys(today: date, count: int) -> list[str]:
    keys, day = [], today.replace(day=1)
    for _ in range(count):
        keys.append(day.strftime("%Y-%m"))
        day = (day - timedelta(days=1)).replace(day=1)
    return keys


def expected_released(made: list[tuple[int, datetime, int]], coaches: list[int],
                      keys: list[str]) -> list[int]:
    """Per month: the sum over the coaches of each one's last approval before the month's end
    (the later of two made at the same instant)."""
    out = []
    for key in keys:
        end, total = uk_month_end(key), 0
        for coach in coaches:
            before = [(at, n, hours) for n, (who, at, hours) in enumerate(made)
                      if who == coach and at < end]
            total += max(before)[2] if before else 0
        out.append(total)
    return out


def test_released_follows_the_approvals_month_by_month(org):
    boss, ada, ben, cy = org["boss"], org["ada"], org["ben"], org["cy"]
    made = [  # (coach, when as naive UTC, hours), in the order approved
        (ada.id, datetime(2025, 3, 20, 10, 0), 4),
        (ben.id, datetime(2025, 5, 31, 22, 59), 6),  # 23:59 BST: still May
        (ada.id, datetime(2025, 6, 30, 23, 30), 8),  # 00:30 BST on 1 July: July's
        (ben.id, datetime(2025, 7, 31, 23, 0), 3),  # midnight BST, 1 August: August's
        (ada.id, datetime(2025, 8, 1, 9, 0), 8),  # the same hours again
        (ben.id, datetime(2025, 8, 15, 12, 0), 4),
        (ben.id, datetime(2025, 8, 15, 12, 0), 5),  # the same instant: the later one holds
        (ada.id, datetime(2025, 9, 10, 9, 0), 2),
        (ada.id, datetime(2025, 9, 25, 9, 0), 5),  # a second change that month
        (ben.id, datetime(2025, 10, 31, 23, 30), 0),  # 23:30 GMT (clocks went back): October
        (ben.id, datetime(2025, 11, 5, 9, 0), 3),
    ]
    for who, at, hours in made:
        admin.approve_hours(boss, who, hours, at=at)
    admin.approve_hours(org["gp_admin"], org["gus"].id, 5, at=datetime(2025, 5, 1, 9, 0))
    assert all_rows() == len(made) - 1 + 1  # the repeat added nothing; Gus's is the GP's

    today = date(2025, 11, 15)
    rows = admin.hours_by_month(org["trust"].id, months=8, today=today)
    keys = month_keys(today, 8)
    assert [r.month for r in rows] == keys
    released = [r.released_hours for r in rows]
    assert released == expected_released(made, [ada.id, ben.id, cy.id], keys)
    # November back to April, worked by hand
    assert released == [8, 5, 10, 13, 14, 10, 10, 4]
    # a month before any approval releases nothing
    assert admin.released_by_month(org["trust"].id, ["2025-02"]) == {"2025-02": 0}
    # the GP practice releases only its own coach's time
    gp_rows = admin.hours_by_month(org["gp"].id, months=8, today=today)
    assert [r.released_hours for r in gp_rows] == [5, 5, 5, 5, 5, 5, 5, 0]


def test_released_months_take_one_query_whatever_the_coaches(org):
    trust, boss = org["trust"], org["boss"]
    coaches = [f.coach(trust, capacity=10, approved=None) for _ in range(12)]
    db.session.commit()
    made = []
    for i, coach in enumerate(coaches):
        for k in range(3):
            at = datetime(2024, 1 + (i + 4 * k) % 12, 10, 12, 0) + timedelta(days=400 * k)
            made.append((coach.id, at, (i + k) % 10 + 1))
    for who, at, hours in sorted(made, key=lambda m: m[1]):
        admin.approve_hours(boss, who, hours, at=at)
    made.sort(key=lambda m: m[1])
    keys = month_keys(date(2026, 6, 30), 24)
    org_id = trust.id

    with count_queries() as statements:
        released = admin.released_by_month(org_id, keys)
        one = len(statements)
        rows = admin.hours_by_month(org_id, months=24, today=date(2026, 6, 30))
    assert one == 1 and len(statements) == 1 + 1  # given and released, in one query
    expected = expected_released(made, [c.id for c in coaches], keys)
    assert [released[k] for k in keys] == expected == [r.released_hours for r in rows]
    assert len(set(expected)) > 3


def _month_start(months_back: int) -> datetime:
    """10:00 UK time on the 1st of a UK calendar month, stored as UTC."""
    day = local_today().replace(day=1)
    for _ in range(months_back):
        day = (day - timedelta(days=1)).replace(day=1)
    return combine_local(day, time(10, 0))


def test_the_page_shows_what_was_released_each_month(client, org):
    boss, ada, ben = org["boss"], org["ada"], org["ben"]
    admin.approve_hours(boss, ada.id, 4, at=_month_start(3))
    admin.approve_hours(boss, ben.id, 2, at=_month_start(2))
    admin.approve_hours(boss, ada.id, 6, at=_month_start(1))
    login(client, boss)
    assert client.post(f"/org/coaches/{ben.id}/approve",
                       data={"approved_hours": "5"}).status_code == 302  # now
    page = client.get("/org/").get_data(as_text=True)
    shown = dict(re.findall(
        r'<tr>\s*<td>([A-Z][a-z]+ \d{4})</td>\s*<td class="num">[^<]*</td>\s*'
        r'<td class="num">(\d+) h</td>', page))
    labels = [_month_start(n).strftime("%B %Y") for n in range(6)]
    assert shown == dict(zip(labels, ["11", "8", "6", "4", "0", "0"], strict=True))
    assert "as of each\n    month's end" in page
    assert "approvals are not kept month by month" not in page
    headline = re.search(r'<span class="stat-value">(\d+) h</span>', page)
    assert headline and headline.group(1) == "11"  # today's approvals, capped by what's offered


def test_removing_the_coach_role_ends_the_protected_time(org):
    boss, ada, ben, trust = org["boss"], org["ada"], org["ben"], org["trust"]
    lead = f.person(trust, Role.SYSTEM_LEAD, name="Lena Lead")
    db.session.commit()
    two_months_ago = utcnow() - timedelta(days=62)
    admin.approve_hours(boss, ada.id, 5, at=two_months_ago)
    admin.approve_hours(boss, ben.id, 6, at=two_months_ago)
    keys = month_keys(local_today(), 3)
    assert [admin.released_by_month(trust.id, keys)[k] for k in keys] == [11, 11, 11]

    admin.revoke_role(trust.system_id, lead, ada.id, Role.COACH)
    assert approved_now(ada) is None
    assert history(ada) == [(5, trust.id, boss.id), (0, trust.id, lead.id)]
    # this month Ada releases nothing; the months before keep what was released then
    assert [admin.released_by_month(trust.id, keys)[k] for k in keys] == [6, 11, 11]
    # removing another role, or the coach role of someone with no approval, adds nothing
    admin.grant_role(trust.system_id, lead, ben.id, Role.ORG_ADMIN)
    admin.revoke_role(trust.system_id, lead, ben.id, Role.ORG_ADMIN)
    admin.revoke_role(trust.system_id, lead, org["cy"].id, Role.COACH)
    assert all_rows() == 3 and approved_now(ben) == 6
    # back as a coach, Ada waits for a new approval
    admin.grant_role(trust.system_id, lead, ada.id, Role.COACH)
    assert approved_now(ada) is None
    admin.approve_hours(boss, ada.id, 4)
    assert history(ada)[-1] == (4, trust.id, boss.id)
    assert admin.released_by_month(trust.id, keys[:1]) == {keys[0]: 10}


def test_the_database_refuses_to_change_or_remove_an_approval(org):
    boss, ada = org["boss"], org["ada"]
    admin.approve_hours(boss, ada.id, 5)
    for statement in ("UPDATE protected_time_approvals SET hours = 7",
                      "DELETE FROM protected_time_approvals"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert history(ada) == [(5, org["trust"].id, boss.id)]
