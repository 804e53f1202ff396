"""Organisation admins: approving coaches' protected time, hours given against released."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import (
    CoachingSession,
    CoachProfile,
    Match,
    MatchStatus,
    Role,
    TrainingEvent,
)
from hexqi.services import admin, ledger, rounds
from hexqi.services.errors import Forbidden, InvalidInput, NotFound
from hexqi.timefmt import combine_local, local_month_start, local_today
from tests import factories as f
from tests.factories import login


@pytest.fixture
def org(app):
    trust = f.organisation("Acute Trust")
    boss = f.person(trust, Role.ORG_ADMIN, name="Olive Admin")
    ada = f.coach(trust, {"pdsa": 3}, capacity=8, approved=None, name="Ada Coach")
    ben = f.coach(trust, {"spc": 2}, capacity=6, approved=6, name="Ben Coach")
    other = f.coach(f.organisation("GP Practice"), capacity=5, approved=None, name="Gus GP")
    lead = f.person(f.organisation("Surrey ICB"), Role.SYSTEM_LEAD)
    db.session.commit()
    return {"trust": trust, "boss": boss, "ada": ada, "ben": ben, "other": other, "lead": lead}


def test_only_org_admins(client, org):
    assert client.get("/org/").status_code in (302, 401)
    login(client, org["ada"])
    assert client.get("/org/").status_code == 403
    assert client.post(f"/org/coaches/{org['ada'].id}/approve",
                       data={"approved_hours": "4"}).status_code == 403


def test_dashboard_lists_own_coaches(client, org):
    login(client, org["boss"])
    page = client.get("/org/").get_data(as_text=True)
    assert "Ada Coach" in page and "Ben Coach" in page and "Gus GP" not in page
    assert "Not yet approved" in page
    assert "6 h" in page  # Ben's released hours


def test_approval_feeds_the_matcher(client, org):
    sid = org["trust"].system_id
    assert org["ada"].id not in {r.profile.person_id for r in rounds.coach_rooms(sid)}
    login(client, org["boss"])
    resp = client.post(f"/org/coaches/{org['ada'].id}/approve", data={"approved_hours": "5"})
    assert resp.status_code == 302
    profile = db.session.scalar(sa.select(CoachProfile).where(
        CoachProfile.person_id == org["ada"].id))
    db.session.refresh(profile)
    assert profile.approved_hours == 5 and profile.usable_hours == 5
    rooms = {r.profile.person_id: r.hours for r in rounds.coach_rooms(sid)}
    assert rooms[org["ada"].id] == 5


def test_approval_is_validated(client, org):
    login(client, org["boss"])
    resp = client.post(f"/org/coaches/{org['ada'].id}/approve", data={"approved_hours": "9"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Approve between 0 and the 8 hours a month Ada Coach offers" in page
    # the page-top error summary links to this row's input (and is focused by hexqi.js)
    ada_id = org["ada"].id
    assert 'class="error-summary"' in page
    assert f'<a href="#approved-{ada_id}">Approved hours a month: Approve between' in page
    assert f'id="approved-{ada_id}"' in page
    resp = client.post(f"/org/coaches/{org['ada'].id}/approve", data={"approved_hours": "-1"})
    assert resp.status_code == 422
    resp = client.post(f"/org/coaches/{org['ada'].id}/approve", data={"approved_hours": "x"})
    assert resp.status_code == 422
    # another organisation's coach is not theirs to approve
    assert client.post(f"/org/coaches/{org['other'].id}/approve",
                       data={"approved_hours": "2"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(CoachProfile, org["ada"].coach_profile.id).approved_hours is None
    assert db.session.get(CoachProfile, org["other"].coach_profile.id).approved_hours is None


def test_approve_service_rules(org):
    with pytest.raises(Forbidden):
        admin.approve_hours(org["ada"], org["ada"].id, 3)
    with pytest.raises(NotFound):
        admin.approve_hours(org["boss"], org["other"].id, 3)
    with pytest.raises(InvalidInput) as err:
        admin.approve_hours(org["boss"], org["ben"].id, True)
    assert err.value.field == "approved_hours"
    assert admin.approve_hours(org["boss"], org["ben"].id, 0).usable_hours == 0


def _month_start(months_back: int) -> datetime:
    """10:00 UK time on the 1st of a UK calendar month, stored as UTC."""
    day = local_today().replace(day=1)
    for _ in range(months_back):
        day = (day - timedelta(days=1)).replace(day=1)
    return combine_local(day, time(10, 0))


def test_hours_given_against_released(client, org):
    host = f.organisation("Host Trust")
    last_month, this_month = _month_start(1), _month_start(0)
    t1 = TrainingEvent(coach=org["ada"], host_organisation=host, title="PDSA basics",
                       starts_at=last_month, minutes=90)
    t2 = TrainingEvent(coach=org["ben"], host_organisation=host, title="SPC charts",
                       starts_at=this_month, minutes=120)
    db.session.add_all([t1, t2])
    db.session.commit()
    ledger.record_training(t1, org["ada"], at=last_month)
    ledger.record_training(t2, org["ben"], at=this_month)
    # a confirmed coaching session Ben gave a GP team this month
    member = f.person(org["other"].organisation, Role.TEAM_MEMBER)
    team = f.team(org["other"].organisation, [member])
    req = f.support_request(team, member)
    match = Match(request=req, coach=org["ben"], status=MatchStatus.ACCEPTED, published=True)
    session = CoachingSession(match=match, starts_at=this_month, minutes=60)
    db.session.add_all([match, session])
    db.session.commit()
    pending = ledger.log_session(session, org["ben"], at=this_month + timedelta(hours=2))
    db.session.commit()
    ledger.confirm_pending(pending.id, member, at=this_month + timedelta(hours=3))
    db.session.commit()
    # and a reversed training that no longer counts
    t3 = TrainingEvent(coach=org["ada"], host_organisation=host, title="Mistake",
                       starts_at=this_month, minutes=30)
    db.session.add(t3)
    db.session.commit()
    wrong = ledger.record_training(t3, org["ada"], at=this_month)
    db.session.commit()
    ledger.reverse(wrong.id, org["lead"], "recorded by mistake",
                   at=this_month + timedelta(hours=4))
    db.session.commit()

    rows = admin.hours_by_month(org["trust"].id, months=3)
    assert [r.month for r in rows] == [this_month.strftime("%Y-%m"),
                                       last_month.strftime("%Y-%m"),
                                       _month_start(2).strftime("%Y-%m")]
    assert [r.given_minutes for r in rows] == [120 + 60, 90, 0]
    # Ben's 6 were approved (by the factory) this month, none before; Ada is not approved
    assert [r.released_hours for r in rows] == [6, 0, 0]
    by_person = admin.given_by_person([org["ada"].id, org["ben"].id], this_month)
    assert by_person == {org["ada"].id: 0, org["ben"].id: 180}

    login(client, org["boss"])
    page = client.get("/org/").get_data(as_text=True)
    assert "3 h" in page and "1.5 h" in page and this_month.strftime("%B %Y") in page


def test_a_month_is_a_uk_calendar_month(client, org):
    """Training credited at 23:15 UTC on 31 July is 00:15 BST on 1 August: August's hours."""
    year = date.today().year - 1
    host = f.organisation("Host Trust")
    late = datetime(year, 7, 31, 23, 15)
    event = TrainingEvent(coach=org["ben"], host_organisation=host, title="SPC charts",
                          starts_at=late, minutes=120)
    db.session.add(event)
    db.session.commit()
    ledger.record_training(event, org["ben"], at=late)
    db.session.commit()

    rows = admin.hours_by_month(org["trust"].id, months=2, today=date(year, 8, 1))
    assert [(r.month, r.given_minutes) for r in rows] == [(f"{year}-08", 120),
                                                          (f"{year}-07", 0)]
    rows = admin.hours_by_month(org["trust"].id, months=2, today=date(year, 7, 31))
    assert [(r.month, r.given_minutes) for r in rows] == [(f"{year}-07", 0),
                                                          (f"{year}-06", 0)]
    august = local_month_start(date(year, 8, 1))
    assert admin.given_by_person([org["ben"].id], august) == {org["ben"].id: 120}
