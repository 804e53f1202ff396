"""Coaching sessions: schedule, log one held (pending hours), the other party confirms
(posted hours) or declines, never the logger; calendar invites."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from hexqi.extensions import db
from hexqi.models import (
    CoachingSession,
    OutboxMessage,
    PendingStatus,
    PendingTransfer,
    Role,
    SessionStatus,
    Transfer,
    TransferKind,
    utcnow,
)
from hexqi.services import ledger, sessions
from hexqi.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests import factories as f
from tests.factories import login
from tests.integration.coach_support import accepted, proposal


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _balance(owner) -> int:  # type: ignore[no-untyped-def]
    return ledger.balance(ledger.account_for(owner).id)


def test_logging_a_held_session_on_the_page_makes_pending_hours(client, app):
    scene = accepted()
    login(client, scene.coach)
    held_on = date.today() - timedelta(days=2)
    response = client.post(f"/coach/matches/{scene.match.id}/held", data={
        "day": held_on.isoformat(), "start": "10:30", "minutes": "75",
        "notes": "Drew the driver diagram"})
    assert response.status_code == 302
    session = db.session.scalar(sa.select(CoachingSession))
    assert session.status is SessionStatus.HELD and session.minutes == 75
    assert session.logged_by_id == scene.coach.id and session.notes == "Drew the driver diagram"
    pending = db.session.scalar(sa.select(PendingTransfer))
    assert (pending.session_id, pending.minutes, pending.status) == (
        session.id, 75, PendingStatus.PENDING)
    assert pending.credit_account_id == ledger.account_for(scene.coach).id
    assert pending.debit_account_id == ledger.account_for(scene.team).id
    assert _count(Transfer) == 0
    mail = db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.to_person_id == scene.member.id, OutboxMessage.subject.like("%confirm%")))
    assert mail is not None
    page = client.get(f"/coach/matches/{scene.match.id}").get_data(as_text=True)
    assert "Hours awaiting confirmation" in page and "The team confirms these hours." in page


def test_team_member_confirms_the_coachs_log_and_the_hours_post(app):
    scene = accepted()
    held = sessions.log_held_session(scene.match.id, scene.coach,
                                     utcnow() - timedelta(days=1), 90)
    assert sessions.sessions_to_confirm(scene.member) == [held]
    assert sessions.sessions_to_confirm(scene.coach) == []
    transfer = sessions.confirm_session(held.id, scene.member)
    assert (transfer.kind, transfer.minutes) == (TransferKind.SESSION, 90)
    assert _balance(scene.coach) == 90 and _balance(scene.team) == -90
    db.session.expire_all()
    assert db.session.scalar(sa.select(PendingTransfer)).status is PendingStatus.CONFIRMED
    assert sessions.sessions_to_confirm(scene.member) == []
    with pytest.raises(Conflict):  # a second answer changes nothing
        sessions.decline_session(held.id, scene.member)
    assert _count(Transfer) == 1


def test_coach_cannot_confirm_their_own_log(client, app):
    scene = accepted()
    held = sessions.log_held_session(scene.match.id, scene.coach,
                                     utcnow() - timedelta(days=1), 60)
    with pytest.raises(Forbidden):
        sessions.confirm_session(held.id, scene.coach)
    login(client, scene.coach)
    page = client.post(f"/coach/sessions/{held.id}/confirm", follow_redirects=True)
    assert page.status_code == 200
    assert "The other party confirms the hours" in page.get_data(as_text=True)
    assert _count(Transfer) == 0
    db.session.expire_all()
    assert db.session.scalar(sa.select(PendingTransfer)).status is PendingStatus.PENDING


def test_coach_confirms_or_declines_what_the_team_logged(client, app):
    scene = accepted()
    first = sessions.log_held_session(scene.match.id, scene.member,
                                      utcnow() - timedelta(days=3), 45)
    second = sessions.log_held_session(scene.match.id, scene.member,
                                       utcnow() - timedelta(days=2), 30)
    assert {s.id for s in sessions.sessions_to_confirm(scene.coach)} == {first.id, second.id}
    login(client, scene.coach)
    dashboard = client.get("/coach/").get_data(as_text=True)
    assert f"/coach/sessions/{first.id}/confirm" in dashboard
    response = client.post(f"/coach/sessions/{first.id}/confirm", data={"back": "dashboard"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/coach/")
    assert client.post(f"/coach/sessions/{second.id}/decline").status_code == 302
    assert _balance(scene.coach) == 45 and _balance(scene.team) == -45
    statuses = {session_id: status for session_id, status in db.session.execute(
        sa.select(PendingTransfer.session_id, PendingTransfer.status))}
    assert statuses == {first.id: PendingStatus.CONFIRMED, second.id: PendingStatus.DECLINED}


def test_a_scheduled_session_is_logged_as_held(app):
    scene = accepted()
    planned = CoachingSession(match_id=scene.match.id, starts_at=utcnow() - timedelta(hours=3),
                              minutes=60, status=SessionStatus.SCHEDULED)
    db.session.add(planned)
    db.session.commit()
    held = sessions.log_held_session(scene.match.id, scene.coach, planned.starts_at, 50,
                                     session_id=planned.id)
    assert held.id == planned.id and held.status is SessionStatus.HELD and held.minutes == 50
    assert _count(CoachingSession) == 1
    with pytest.raises(Conflict):
        sessions.log_held_session(scene.match.id, scene.coach, planned.starts_at, 50,
                                  session_id=planned.id)
    assert _count(PendingTransfer) == 1


def test_bad_logs_are_refused_and_leave_nothing_behind(client, app):
    scene = accepted()
    with pytest.raises(InvalidInput) as err:
        sessions.log_held_session(scene.match.id, scene.coach, utcnow() + timedelta(days=1), 60)
    assert err.value.field == "starts_at"
    with pytest.raises(InvalidInput) as err:
        sessions.log_held_session(scene.match.id, scene.coach, utcnow(), 0)
    assert err.value.field == "minutes"
    login(client, scene.coach)
    page = client.post(f"/coach/matches/{scene.match.id}/held", data={
        "day": (date.today() + timedelta(days=3)).isoformat(), "start": "10:00",
        "minutes": "60", "notes": "Keep me"})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "once it has happened" in text and "Keep me" in text
    assert _count(CoachingSession) == 0 and _count(PendingTransfer) == 0


def test_floor_exceeded_is_a_message_and_nothing_is_logged(client, app):
    scene = accepted()
    scene.team.organisation.system.credit_floor_minutes = -60
    db.session.commit()
    login(client, scene.coach)
    page = client.post(f"/coach/matches/{scene.match.id}/held", data={
        "day": (date.today() - timedelta(days=1)).isoformat(), "start": "09:00",
        "minutes": "120"}, follow_redirects=True)
    assert page.status_code == 200
    assert "Problem:" in page.get_data(as_text=True)
    assert _count(CoachingSession) == 0 and _count(PendingTransfer) == 0


def test_only_parties_may_touch_a_match_or_its_sessions(client, app):
    scene = accepted()
    held = sessions.log_held_session(scene.match.id, scene.coach,
                                     utcnow() - timedelta(days=1), 60)
    stranger = f.coach()
    outsider = f.person(None, Role.TEAM_MEMBER)
    db.session.commit()
    for person in (stranger, outsider):
        with pytest.raises(NotFound):
            sessions.confirm_session(held.id, person)
        with pytest.raises(NotFound):
            sessions.session_ics(held.id, person)
        with pytest.raises(NotFound):
            sessions.log_held_session(scene.match.id, person, utcnow(), 30)
    login(client, stranger)
    assert client.post(f"/coach/sessions/{held.id}/confirm").status_code == 404
    assert client.post(f"/coach/sessions/{held.id}/decline").status_code == 404
    assert client.get(f"/coach/sessions/{held.id}.ics").status_code == 404
    assert client.post(f"/coach/matches/{scene.match.id}/held", data={
        "day": date.today().isoformat(), "start": "08:00", "minutes": "30"}).status_code == 404
    assert _count(Transfer) == 0 and _count(PendingTransfer) == 1


def test_sessions_need_an_accepted_match(app):
    scene = proposal()
    with pytest.raises(Conflict):
        sessions.schedule_session(scene.match.id, scene.coach, utcnow() + timedelta(days=1),
                                  60, "virtual")


def test_scheduling_on_the_page_and_the_ics_invite(client, app):
    scene = accepted()
    login(client, scene.coach)
    day = date.today() + timedelta(days=10)
    response = client.post(f"/coach/matches/{scene.match.id}/sessions", data={
        "day": day.isoformat(), "start": "14:15", "minutes": "90", "mode": "in_person"})
    assert response.status_code == 302
    session = db.session.scalar(sa.select(CoachingSession))
    assert session.status is SessionStatus.SCHEDULED and session.minutes == 90
    # 14:15 UK time, stored as UTC
    local = session.starts_at.replace(tzinfo=UTC).astimezone(
        __import__("zoneinfo").ZoneInfo("Europe/London"))
    assert (local.date(), local.hour, local.minute) == (day, 14, 15)

    page = client.get(f"/coach/sessions/{session.id}.ics")
    assert page.status_code == 200
    assert page.mimetype == "text/calendar"
    assert f'filename="hexqi-session-{session.id}.ics"' in page.headers["Content-Disposition"]
    calendar = Calendar.from_ical(page.data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    start = event.decoded("dtstart")
    assert start == session.starts_at.replace(tzinfo=UTC)
    assert event.decoded("duration") == timedelta(minutes=90)
    assert scene.request.project.title in str(event.get("summary"))
    assert str(event.get("uid")) == f"hexqi-session-{session.id}@hexqi"

    # the team member can download the same invite through the service
    assert Calendar.from_ical(sessions.session_ics(session.id, scene.member))


def test_scheduling_in_the_past_is_refused_keeping_what_was_typed(client, app):
    scene = accepted()
    login(client, scene.coach)
    page = client.post(f"/coach/matches/{scene.match.id}/sessions", data={
        "day": "2020-01-06", "start": "11:00", "minutes": "45", "mode": "virtual"})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "Choose a date and time still to come." in text
    assert 'value="2020-01-06"' in text and 'value="45"' in text
    assert _count(CoachingSession) == 0


def test_sessions_to_confirm_for_a_team_member_ignores_their_own_sides_logs(app):
    scene = accepted()
    colleague = f.person(scene.team.organisation, Role.TEAM_MEMBER)
    from hexqi.models import TeamMember

    scene.team.members.append(TeamMember(person=colleague))
    db.session.commit()
    mine = sessions.log_held_session(scene.match.id, scene.member,
                                     datetime.now(UTC).replace(tzinfo=None)
                                     - timedelta(days=1), 30)
    assert sessions.sessions_to_confirm(colleague) == []  # their own side logged it
    with pytest.raises(Forbidden):
        sessions.confirm_session(mine.id, colleague)
    assert sessions.sessions_to_confirm(scene.coach) == [mine]
