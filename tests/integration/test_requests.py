"""The requests service: filing, the status lifecycle and its audit trail, withdrawing,
feedback once per session, the project's outcome measure and the team's balance."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import (
    CoachingSession,
    Match,
    MatchStatus,
    OutboxMessage,
    Project,
    RequestEvent,
    RequestStatus,
    Role,
    SessionStatus,
    SupportRequest,
    Transfer,
    utcnow,
)
from hexqi.services import ledger, sessions
from hexqi.services import requests as svc
from hexqi.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests import factories as f

S = RequestStatus


def _counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))  # type: ignore[return-value]
                 for model in (SupportRequest, Project, RequestEvent))


@pytest.fixture
def team_and_member(app):
    member = f.person(None, Role.TEAM_MEMBER)
    tm = f.team(member.organisation, [member])
    db.session.commit()
    return tm, member


GOOD = dict(project_title="  Faster discharge  ", aim="Discharge by noon on ward 7",
            stage="testing", skills={"pdsa": 2, "spc": 1}, hours=6,
            slots=["wed-pm", "mon-am", "wed-pm"], mode="in_person", location="St Peter's",
            latitude=51.39, longitude=-0.52, priority=4)


def test_create_request_files_the_project_skills_slots_and_first_event(team_and_member):
    tm, member = team_and_member
    req = svc.create_request(tm.id, member, **GOOD)
    db.session.expire_all()
    req = db.session.get(SupportRequest, req.id)
    assert req.status is S.OPEN and req.team_id == tm.id and req.created_by_id == member.id
    assert req.project.title == "Faster discharge" and req.project.stage.value == "testing"
    assert {(s.skill.slug, s.min_level) for s in req.skills} == {("pdsa", 2), ("spc", 1)}
    assert sorted(s.slot for s in req.slots) == ["mon-am", "wed-pm"]
    assert (req.hours, req.priority, req.mode.value, req.location) == (6, 4, "in_person",
                                                                       "St Peter's")
    assert [(e.from_status, e.to_status, e.actor_id) for e in req.events] == [
        (None, S.OPEN, member.id)]


@pytest.mark.parametrize("change, field, message", [
    ({"project_title": "   "}, "project_title", "short title"),
    ({"aim": ""}, "aim", "what you are trying to improve"),
    ({"stage": "finished"}, "stage", "where your project is"),
    ({"skills": {}}, "skills", "Choose at least one method"),
    ({"skills": {"astrology": 1}}, "skills", "Unknown method"),
    ({"skills": {"pdsa": 4}}, "skills", "level from 1 to 3"),
    ({"hours": 0}, "hours", "between 1 and 40"),
    ({"hours": 41}, "hours", "between 1 and 40"),
    ({"hours": "six"}, "hours", "between 1 and 40"),
    ({"slots": []}, "slots", "Pick at least one half-day"),
    ({"slots": ["sat-am"]}, "slots", "Unknown half-day"),
    ({"mode": "telepathy"}, "mode", "virtual, in person or either"),
    ({"location": " "}, "location", "In person needs a location"),
    ({"latitude": 95}, "latitude", "between -90 and 90"),
    ({"longitude": None}, "longitude", "both latitude and longitude"),
    ({"priority": 6}, "priority", "how urgent"),
])
def test_create_request_rejects_bad_input_naming_the_field_and_writes_nothing(
        team_and_member, change, field, message):
    tm, member = team_and_member
    before = _counts()
    with pytest.raises(InvalidInput) as err:
        svc.create_request(tm.id, member, **{**GOOD, **change})
    assert err.value.field == field
    assert message in str(err.value)
    assert _counts() == before


def test_only_members_file_requests_and_other_organisations_see_nothing(team_and_member):
    tm, _member = team_and_member
    outsider = f.person(None, Role.TEAM_MEMBER)
    admin = f.person(tm.organisation, Role.ORG_ADMIN)
    db.session.commit()
    with pytest.raises(NotFound):
        svc.create_request(tm.id, outsider, **GOOD)
    with pytest.raises(Forbidden):  # the org admin may see the team but is not in it
        svc.create_request(tm.id, admin, **GOOD)
    assert _counts() == (0, 0, 0)


def test_status_moves_along_the_lifecycle_and_each_move_is_audited(team_and_member):
    tm, member = team_and_member
    lead = f.person(tm.organisation, Role.SYSTEM_LEAD)
    req = svc.create_request(tm.id, member, **GOOD)
    svc.set_status(req, S.MATCHED, lead, note="round 1")
    svc.set_status(req.id, "active", None)
    svc.set_status(req, S.CLOSED, member, note="done")
    db.session.expire_all()
    req = db.session.get(SupportRequest, req.id)
    assert req.status is S.CLOSED
    assert [(e.from_status, e.to_status, e.actor_id, e.note) for e in req.events] == [
        (None, S.OPEN, member.id, "Request filed"),
        (S.OPEN, S.MATCHED, lead.id, "round 1"),
        (S.MATCHED, S.ACTIVE, None, ""),
        (S.ACTIVE, S.CLOSED, member.id, "done"),
    ]


@pytest.mark.parametrize("path, bad", [
    ([], S.ACTIVE), ([], S.CLOSED), ([], S.OPEN), ([S.MATCHED], S.CLOSED),
    ([S.MATCHED, S.ACTIVE], S.OPEN), ([S.MATCHED, S.ACTIVE, S.CLOSED], S.WITHDRAWN),
    ([S.MATCHED, S.ACTIVE, S.CLOSED], S.OPEN),
])
def test_invalid_transitions_are_refused_and_leave_no_trace(team_and_member, path, bad):
    tm, member = team_and_member
    req = svc.create_request(tm.id, member, **GOOD)
    for step in path:
        svc.set_status(req, step, None)
    events = len(req.events)
    with pytest.raises(Conflict):
        svc.set_status(req, bad, member)
    db.session.expire_all()
    req = db.session.get(SupportRequest, req.id)
    assert req.status is (path[-1] if path else S.OPEN)
    assert len(req.events) == events


def test_matched_goes_back_to_open_when_a_coach_declines(team_and_member):
    tm, member = team_and_member
    req = svc.create_request(tm.id, member, **GOOD)
    svc.set_status(req, S.MATCHED, None)
    svc.set_status(req, S.OPEN, None, note="coach declined")
    assert db.session.get(SupportRequest, req.id).status is S.OPEN


def test_cancelling_needs_a_system_lead_of_the_system(team_and_member):
    tm, member = team_and_member
    req = svc.create_request(tm.id, member, **GOOD)
    other_system_lead = f.person(f.organisation(sys=f.system("Other ICS")), Role.SYSTEM_LEAD)
    lead = f.person(None, Role.SYSTEM_LEAD)
    db.session.commit()
    for who in (member, other_system_lead, None):
        with pytest.raises(Forbidden):
            svc.set_status(req, S.CANCELLED, who)
    svc.set_status(req, S.CANCELLED, lead, note="duplicate")
    assert db.session.get(SupportRequest, req.id).status is S.CANCELLED


def test_set_status_without_commit_joins_the_callers_transaction(team_and_member):
    tm, member = team_and_member
    req = svc.create_request(tm.id, member, **GOOD)
    svc.set_status(req, S.MATCHED, None, commit=False)
    db.session.rollback()
    db.session.expire_all()
    req = db.session.get(SupportRequest, req.id)
    assert req.status is S.OPEN and len(req.events) == 1


def _accepted_match(req: SupportRequest) -> tuple[Match, object]:
    coach = f.coach(skills={"pdsa": 3})
    match = Match(request=req, coach=coach, status=MatchStatus.ACCEPTED, published=True,
                  reasons=["PDSA at level 3", "Free on Wednesday afternoons"])
    db.session.add(match)
    db.session.commit()
    svc.set_status(req, S.MATCHED, None)
    svc.set_status(req, S.ACTIVE, coach)
    return match, coach


def test_withdraw_records_the_reason_and_tells_the_coach(team_and_member):
    tm, member = team_and_member
    req = svc.create_request(tm.id, member, **GOOD)
    _match, coach = _accepted_match(req)
    with pytest.raises(InvalidInput) as err:
        svc.withdraw_request(req.id, member, "  ")
    assert err.value.field == "reason"
    svc.withdraw_request(req.id, member, "Project paused")
    db.session.expire_all()
    req = db.session.get(SupportRequest, req.id)
    assert req.status is S.WITHDRAWN
    assert (req.events[-1].to_status, req.events[-1].note) == (S.WITHDRAWN, "Project paused")
    mail = db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.to_person_id == coach.id, OutboxMessage.subject.like("%withdrew%")))
    assert mail is not None and "Project paused" in mail.body


def test_withdraw_is_refused_once_closed_and_for_non_members(team_and_member):
    tm, member = team_and_member
    req = svc.create_request(tm.id, member, **GOOD)
    admin = f.person(tm.organisation, Role.ORG_ADMIN)
    db.session.commit()
    with pytest.raises(Forbidden):
        svc.withdraw_request(req.id, admin, "not mine")
    for step in (S.MATCHED, S.ACTIVE, S.CLOSED):
        svc.set_status(req, step, None)
    with pytest.raises(Conflict):
        svc.withdraw_request(req.id, member, "too late")
    assert db.session.get(SupportRequest, req.id).status is S.CLOSED


def _coach_logged_session(req: SupportRequest) -> tuple[CoachingSession, object]:
    match, coach = _accepted_match(req)
    held = sessions.log_held_session(match.id, coach, utcnow() - timedelta(days=1), 90,
                                     notes="Mapped the discharge process")
    return held, coach


def test_feedback_is_given_once_by_a_team_member_on_a_held_session(team_and_member):
    tm, member = team_and_member
    req = svc.create_request(tm.id, member, **GOOD)
    held, coach = _coach_logged_session(req)
    for outsider in (coach, f.person(None, Role.TEAM_MEMBER)):
        with pytest.raises(NotFound):
            svc.give_feedback(held.id, outsider, 5)
    with pytest.raises(Forbidden):  # the organisation's admin sees the team but is not in it
        svc.give_feedback(held.id, f.person(tm.organisation, Role.ORG_ADMIN), 5)
    with pytest.raises(InvalidInput):
        svc.give_feedback(held.id, member, 7)
    svc.give_feedback(held.id, member, 4, " Really useful ")
    with pytest.raises(Conflict):
        svc.give_feedback(held.id, member, 1, "changed my mind")
    db.session.expire_all()
    held = db.session.get(CoachingSession, held.id)
    assert (held.feedback_rating, held.feedback_comment) == (4, "Really useful")


def test_no_feedback_before_a_session_is_held(team_and_member):
    tm, member = team_and_member
    req = svc.create_request(tm.id, member, **GOOD)
    match, _coach = _accepted_match(req)
    planned = CoachingSession(match=match, starts_at=utcnow() + timedelta(days=3), minutes=60,
                              status=SessionStatus.SCHEDULED)
    db.session.add(planned)
    db.session.commit()
    with pytest.raises(Conflict):
        svc.give_feedback(planned.id, member, 5)
    assert db.session.get(CoachingSession, planned.id).feedback_rating is None


def test_outcome_measure_is_recorded_then_updated(team_and_member):
    tm, member = team_and_member
    req = svc.create_request(tm.id, member, **GOOD)
    svc.update_outcome_measure(req.project_id, member, "Discharges before noon", "%",
                               "18", 22.5, date(2025, 1, 31))
    svc.update_outcome_measure(req.project_id, member, "Discharges before noon", "%",
                               18, "41", date(2025, 3, 31))
    db.session.expire_all()
    p = db.session.get(Project, req.project_id)
    assert (p.measure_name, p.measure_unit, p.measure_baseline, p.measure_latest,
            p.measured_on) == ("Discharges before noon", "%", 18.0, 41.0, date(2025, 3, 31))


@pytest.mark.parametrize("args, field", [
    (("", "%", 1, 2, date(2025, 1, 1)), "name"),
    (("Waits", "%", "lots", 2, date(2025, 1, 1)), "baseline"),
    (("Waits", "%", 1, "nan", date(2025, 1, 1)), "latest"),
    (("Waits", "%", 1, 2, None), "measured_on"),
    (("Waits", "%", 1, 2, date.today() + timedelta(days=2)), "measured_on"),
])
def test_outcome_measure_rejects_bad_values_and_keeps_the_old_ones(team_and_member, args,
                                                                  field):
    tm, member = team_and_member
    req = svc.create_request(tm.id, member, **GOOD)
    svc.update_outcome_measure(req.project_id, member, "Waits", "days", 10, 8, date(2025, 1, 1))
    with pytest.raises(InvalidInput) as err:
        svc.update_outcome_measure(req.project_id, member, *args)
    assert err.value.field == field
    db.session.expire_all()
    p = db.session.get(Project, req.project_id)
    assert (p.measure_name, p.measure_unit, p.measure_latest) == ("Waits", "days", 8.0)


def test_team_balance_counts_hours_received_and_given_by_members(team_and_member):
    tm, member = team_and_member
    req = svc.create_request(tm.id, member, **GOOD)
    held, _coach = _coach_logged_session(req)
    pending = svc.team_balance(tm)
    assert (pending.received_minutes, pending.pending_minutes, pending.balance_minutes) == (
        0, 90, 0)
    sessions.confirm_session(held.id, member)
    # A member of this team coaches another organisation's team for 45 minutes.
    member.add_role(Role.COACH)
    other_member = f.person(None, Role.TEAM_MEMBER)
    other_team = f.team(other_member.organisation, [other_member])
    other_req = f.support_request(other_team, other_member)
    given = Match(request=other_req, coach=member, status=MatchStatus.ACCEPTED, published=True)
    db.session.add(given)
    db.session.commit()
    svc.set_status(other_req, S.MATCHED, None)
    svc.set_status(other_req, S.ACTIVE, None)
    theirs = sessions.log_held_session(given.id, member, datetime(2025, 1, 6, 10), 45)
    sessions.confirm_session(theirs.id, other_member)

    result = svc.team_balance(tm)
    floor = tm.organisation.system.credit_floor_minutes
    assert result.received_minutes == 90
    assert result.given_minutes == 45
    assert result.pending_minutes == 0
    assert result.balance_minutes == -90 == ledger.balance(ledger.account_for(tm).id)
    assert result.above_floor_minutes == -90 - floor
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 2
