"""The demo system: shape, history, hours through the ledger, logins and the CLI.

One small demo (scale 0.2) is built once for the module and only read; the CLI and
determinism tests build their own.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from hexqi import create_app
from hexqi.extensions import db
from hexqi.models import (
    Account,
    CoachingSession,
    CoachProfile,
    Match,
    MatchingRound,
    MatchStatus,
    Organisation,
    OrgKind,
    PendingStatus,
    PendingTransfer,
    Person,
    Project,
    ProtectedTimeApproval,
    RequestEvent,
    RequestStatus,
    RoundStatus,
    SupportRequest,
    System,
    Team,
    TeamMember,
    Tier,
    TierChange,
    TrainingAttendance,
    TrainingEvent,
    Transfer,
    TransferKind,
    utcnow,
)
from hexqi.services import admin, demo, ledger
from hexqi.services.errors import Conflict
from hexqi.timefmt import local_month_start

SCALE = 0.2
SEED = int(os.environ.get("HEXQI_DEMO_TEST_SEED", "2026"))  # try others to shake it


def scaled(full: int, minimum: int = 1) -> int:
    return max(minimum, round(full * SCALE))


@pytest.fixture(scope="module")
def built(databases) -> Iterator[tuple[Flask, demo.DemoSummary]]:
    url = databases.new()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        summary = demo.build_demo(seed=SEED, scale=SCALE)
        yield app, summary
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_the_partnership_is_shaped_like_a_county_ics(built):
    app, _summary = built
    kinds = Counter(db.session.scalars(sa.select(Organisation.kind)))
    practices = scaled(40, minimum=4)
    assert sum(kinds.values()) == 11 + practices
    assert kinds.pop(OrgKind.GP_PRACTICE) == practices
    assert kinds == Counter({OrgKind.ICB: 1, OrgKind.ACUTE_TRUST: 2, OrgKind.COMMUNITY_TRUST: 1,
                             OrgKind.MENTAL_HEALTH_TRUST: 1, OrgKind.AMBULANCE_TRUST: 1,
                             OrgKind.LOCAL_AUTHORITY: 2, OrgKind.HOSPICE: 1,
                             OrgKind.UNIVERSITY: 1, OrgKind.VOLUNTARY: 1})
    orgs = db.session.scalars(sa.select(Organisation)).all()
    assert {o.locality for o in orgs} == {"North", "West", "Kennet", "South"}
    for o in orgs:  # all in one county (Wiltshire), with staff and dosing targets
        assert 50.9 < o.latitude < 51.7 and -2.4 < o.longitude < -1.5
        assert o.staff_headcount > 0
        assert 0 < o.target_lead_pct < o.target_live_pct < o.target_learn_pct
    assert count(System) == 1
    system = db.session.scalar(sa.select(System))
    assert system.credit_floor_minutes == app.config["CREDIT_FLOOR_MINUTES"]


def test_coaches_have_realistic_profiles(built):
    profiles = db.session.scalars(sa.select(CoachProfile)).all()
    assert len(profiles) >= scaled(60)
    skill_use: Counter[str] = Counter()
    for p in profiles:
        levels = {s.skill.slug: s.level for s in p.skills}
        skill_use.update(levels)
        assert 2 <= len(levels) <= 5 and set(levels.values()) <= {1, 2, 3}
        assert 4 <= p.capacity_hours <= 16 and 1 <= p.max_teams <= 4
        assert 2 <= len(p.slots) <= 6 and (p.virtual or p.in_person)
        assert p.person.tier is Tier.LEAD and p.base_location
        assert p.travel_km > 0 if p.in_person else p.travel_km == 0
    assert skill_use["pdsa"] > skill_use["spc"] and skill_use["pdsa"] > skill_use["human-factors"]
    approved = [p for p in profiles if p.approved_hours is not None]
    assert len(profiles) > len(approved) >= 0.7 * len(profiles)  # a few await approval
    assert any(p.paused for p in profiles)
    assert any(p.absences for p in profiles)
    # Where the coaches work: mostly NHS trusts, the ICB and the university.
    orgs = Counter(p.person.organisation.kind for p in profiles)
    big = (OrgKind.ACUTE_TRUST, OrgKind.ICB, OrgKind.UNIVERSITY, OrgKind.COMMUNITY_TRUST,
           OrgKind.MENTAL_HEALTH_TRUST, OrgKind.AMBULANCE_TRUST)
    assert sum(orgs[k] for k in big) > len(profiles) / 2
    assert len(orgs) >= 5


def test_teams_people_and_tier_history(built):
    teams = db.session.scalars(sa.select(Team)).all()
    assert len(teams) >= scaled(120)
    for t in teams:
        assert 2 <= len(t.members) <= 6
        assert all(m.person.organisation_id == t.organisation_id for m in t.members)
    practice_teams = [t for t in teams if t.organisation.kind is OrgKind.GP_PRACTICE]
    assert len(practice_teams) >= len(teams) / 3
    members = db.session.scalars(sa.select(Person).join(TeamMember).distinct()).all()
    tiers = Counter(p.tier for p in members)
    assert tiers[Tier.LEARN] + tiers[Tier.LIVE] > 0.85 * len(members)
    several = [p for p in db.session.scalars(sa.select(Person)) if len(p.roles) > 1]
    assert any(p.has_role("coach") for p in several)  # some coaches are also team members
    leads = db.session.scalars(sa.select(Person).where(
        Person.role_rows.any(role="system_lead"))).all()
    assert 2 <= len(leads) <= 3 and {p.organisation.kind for p in leads} == {OrgKind.ICB}
    admins = db.session.scalars(sa.select(Person).where(
        Person.role_rows.any(role="org_admin"))).all()
    assert {p.organisation.kind for p in admins} >= {OrgKind.ACUTE_TRUST, OrgKind.GP_PRACTICE}
    # Everyone's history starts with the tier they joined at; moves up happened this year.
    assert count(TierChange, TierChange.from_tier.is_(None)) == count(Person)
    year_ago = utcnow() - timedelta(days=366)
    moves = db.session.scalars(sa.select(TierChange).where(
        TierChange.from_tier.is_not(None))).all()
    assert moves and all(m.changed_at > year_ago for m in moves)
    grown = db.session.scalars(sa.select(CoachProfile.person_id).join(
        TierChange, TierChange.person_id == CoachProfile.person_id).where(
        TierChange.to_tier == Tier.LEARN)).all()
    assert grown  # some coaches were once in the Learn tier


def test_requests_rounds_and_six_months_of_history(built):
    now = utcnow()
    statuses = Counter(db.session.scalars(sa.select(SupportRequest.status)))
    assert abs(statuses[RequestStatus.OPEN] - scaled(40, minimum=8)) <= 3
    assert statuses[RequestStatus.CLOSED] and statuses[RequestStatus.ACTIVE]
    assert statuses[RequestStatus.MATCHED] and statuses[RequestStatus.WITHDRAWN]
    assert sum(statuses.values()) >= scaled(150) + scaled(40)
    # Every request's audit trail starts with its filing and ends at its status.
    for req in db.session.scalars(sa.select(SupportRequest)):
        assert req.events[0].from_status is None and req.events[0].to_status is RequestStatus.OPEN
        assert req.events[-1].to_status is req.status
        assert [e.at for e in req.events] == sorted(e.at for e in req.events)
        assert req.skills and req.slots and req.hours > 0
    assert count(RequestEvent) > count(SupportRequest) * 2
    rounds = db.session.scalars(sa.select(MatchingRound)).all()
    assert rounds and all(r.status is RoundStatus.PUBLISHED for r in rounds)
    assert min(r.created_at for r in rounds) < now - timedelta(days=150)
    assert any(u["reason"].startswith("no in-person coach")
               for r in rounds for u in (r.result or {}).get("unmatched", []))
    measured = count(Project, Project.measure_name.is_not(None))
    assert 0.3 * count(Project) < measured < 0.8 * count(Project)
    # Hours over six months, month by month, with a few future sessions booked.
    sessions = db.session.scalars(sa.select(Transfer.created_at).where(
        Transfer.kind == TransferKind.SESSION)).all()
    months = {(t.year, t.month) for t in sessions}
    assert min(sessions) < now - timedelta(days=140) and max(sessions) > now - timedelta(days=14)
    assert len(months) >= 6
    assert count(CoachingSession, CoachingSession.starts_at > now) > 0
    assert count(TrainingEvent) and count(TrainingAttendance)


def test_every_match_crosses_organisations(built):
    rows = db.session.execute(
        sa.select(Person.organisation_id, Team.organisation_id)
        .select_from(Match).join(Person, Person.id == Match.coach_id)
        .join(SupportRequest, SupportRequest.id == Match.request_id)
        .join(Team, Team.id == SupportRequest.team_id)).all()
    assert rows and all(coach_org != team_org for coach_org, team_org in rows)
    statuses = Counter(db.session.scalars(sa.select(Match.status)))
    assert statuses[MatchStatus.ACCEPTED] and statuses[MatchStatus.PROPOSED]
    assert statuses[MatchStatus.DECLINED]
    assert count(Match, Match.by_hand.is_(True), Match.round_id.is_(None)) > 0
    assert count(Match, Match.published.is_(False)) == 0


def test_hours_flow_across_organisations_and_the_ledger_verifies(built):
    _app, summary = built
    assert summary.stats["ledger_calls"] > 100 and summary.stats["ledger_refused"] == 0
    report = ledger.verify()
    assert report.ok, report.violations
    kinds = Counter(db.session.scalars(sa.select(Transfer.kind)))
    assert kinds[TransferKind.SESSION] > 50 and kinds[TransferKind.TRAINING]
    assert kinds[TransferKind.DONATION] and kinds[TransferKind.REVERSAL] == 1
    pendings = Counter(db.session.scalars(sa.select(PendingTransfer.status)))
    assert pendings[PendingStatus.PENDING] and pendings[PendingStatus.DECLINED]
    # Who gives and who receives, counted from the session transfers independently.
    owner_org = sa.func.coalesce(Account.organisation_id, Person.organisation_id,
                                 Team.organisation_id)
    accounts = dict(db.session.execute(
        sa.select(Account.id, owner_org).outerjoin(Person, Person.id == Account.person_id)
        .outerjoin(Team, Team.id == Account.team_id)).all())
    given: Counter[int] = Counter()
    received: Counter[int] = Counter()
    for debit, credit, minutes in db.session.execute(
            sa.select(Transfer.debit_account_id, Transfer.credit_account_id, Transfer.minutes)
            .where(Transfer.kind == TransferKind.SESSION)):
        assert accounts[debit] != accounts[credit]  # coaching always crosses organisations
        given[accounts[credit]] += minutes
        received[accounts[debit]] += minutes
    kind_of = dict(db.session.execute(sa.select(Organisation.id, Organisation.kind)).all())
    both = [o for o in kind_of if given[o] and received[o]]
    assert both  # some organisations both give and receive
    net = {o: given[o] - received[o] for o in kind_of}
    icb = next(o for o, k in kind_of.items() if k is OrgKind.ICB)
    assert net[icb] > 0
    assert sum(n for o, n in net.items() if kind_of[o] is OrgKind.GP_PRACTICE) < 0
    assert net[next(o for o, k in kind_of.items() if k is OrgKind.UNIVERSITY)] > 0
    positions = ledger.organisation_positions()
    assert sum(positions.values()) == 0


def _person(email: str) -> Person:
    person = db.session.scalar(sa.select(Person).where(Person.email == email))
    assert person is not None, email
    return person


def _pending_for(person: Person) -> list[PendingTransfer]:
    """Pending hours this person may confirm: logged by the other party of the session."""
    rows = db.session.scalars(
        sa.select(PendingTransfer).join(CoachingSession,
                                        CoachingSession.id == PendingTransfer.session_id)
        .join(Match, Match.id == CoachingSession.match_id)
        .join(SupportRequest, SupportRequest.id == Match.request_id)
        .where(PendingTransfer.status == PendingStatus.PENDING)).all()
    mine = []
    for p in rows:
        match = db.session.get(CoachingSession, p.session_id).match
        members = {m.person_id for m in match.request.team.members}
        coach_logged = p.logged_by_id == match.coach_id
        if (person.id == match.coach_id and not coach_logged) or (
                person.id in members and coach_logged):
            mine.append(p)
    return mine


def test_demo_logins_walk_into_their_stories(built):
    _app, summary = built
    by_journey = {x.journey: x for x in summary.logins}
    assert set(by_journey) == {"System lead", "Coach", "Team member", "Organisation admin"}
    lead = _person(by_journey["System lead"].email)
    assert lead.has_role("system_lead") and lead.organisation.kind is OrgKind.ICB
    coach = _person(by_journey["Coach"].email)
    proposals = db.session.scalars(sa.select(Match).where(
        Match.coach_id == coach.id, Match.status == MatchStatus.PROPOSED,
        Match.published.is_(True))).all()
    assert proposals and all(m.request.status is RequestStatus.MATCHED for m in proposals)
    assert _pending_for(coach)
    assert count(TrainingEvent, TrainingEvent.coach_id == coach.id) >= 1
    member = _person(by_journey["Team member"].email)
    assert _pending_for(member)
    team_ids = [m.team_id for m in member.memberships]
    assert count(SupportRequest, SupportRequest.team_id.in_(team_ids),
                 SupportRequest.status == RequestStatus.OPEN) >= 1
    admin = _person(by_journey["Organisation admin"].email)
    assert admin.has_role("org_admin")
    waiting = db.session.scalars(sa.select(CoachProfile).join(CoachProfile.person).where(
        Person.organisation_id == admin.organisation_id,
        CoachProfile.approved_hours.is_(None))).all()
    assert waiting  # coaches whose protected time the admin can approve


def test_protected_time_has_a_history_that_ends_at_each_approval(built):
    _app, summary = built
    rows = db.session.scalars(sa.select(ProtectedTimeApproval).order_by(
        ProtectedTimeApproval.person_id, ProtectedTimeApproval.approved_at)).all()
    assert len(rows) == summary.stats["approvals"]
    by_coach: dict[int, list[ProtectedTimeApproval]] = {}
    for row in rows:
        by_coach.setdefault(row.person_id, []).append(row)
    profiles = db.session.scalars(sa.select(CoachProfile)).all()
    now = utcnow()
    for p in profiles:  # the newest approval is the one the matcher reads
        history = by_coach.get(p.person_id, [])
        assert (history[-1].hours if history else None) == p.approved_hours
        assert all(r.organisation_id == p.person.organisation_id and r.approved_at <= now
                   and 0 <= r.hours <= p.capacity_hours for r in history)
        assert all(a.hours != b.hours for a, b in zip(history, history[1:], strict=False))
    changed = [h for h in by_coach.values() if len(h) > 1]
    assert changed and all(h[-1].approved_at < local_month_start() for h in changed)
    assert any(r.approved_by_id is not None for r in rows)
    # the featured organisation admin sees different hours released from month to month
    orgadmin = _person(next(x.email for x in summary.logins
                            if x.journey == "Organisation admin"))
    months = admin.hours_by_month(orgadmin.organisation_id, months=6)
    assert len({m.released_hours for m in months}) > 1
    coaches = db.session.scalars(admin.org_coaches(orgadmin.organisation_id)).all()
    assert months[0].released_hours == sum(p.approved_hours or 0 for p in coaches)


def test_the_printed_logins_work(built):
    app, summary = built
    assert summary.password == demo.DEMO_PASSWORD
    table = demo.login_table(summary)
    assert demo.DEMO_PASSWORD in table
    client = app.test_client()
    for login in summary.logins:
        assert login.email in table
        assert _person(login.email).check_password(summary.password)
        response = client.post("/auth/login", data={"email": login.email,
                                                     "password": summary.password})
        assert response.status_code == 302, login.email
        client.post("/auth/logout")
    wrong = client.post("/auth/login", data={"email": summary.logins[0].email,
                                             "password": "not the demo password"})
    assert wrong.status_code == 200


def test_building_again_on_a_full_database_is_refused(built):
    before = count(Organisation)
    with pytest.raises(Conflict):
        demo.build_demo(seed=1, scale=SCALE)
    assert count(Organisation) == before


def _fingerprint() -> tuple:
    return (
        sorted(db.session.scalars(sa.select(Person.email))),
        sorted(db.session.scalars(sa.select(Team.name))),
        sorted(db.session.execute(sa.select(SupportRequest.hours, SupportRequest.status,
                                            Project.title).join(SupportRequest.project))),
        db.session.scalar(sa.select(sa.func.sum(Transfer.minutes))),
        count(Transfer),
    )


def test_the_same_seed_builds_the_same_demo(app, databases):
    now = datetime(2026, 6, 1, 9, 30)
    demo.build_demo(seed=11, scale=0.1, now=now)
    first = _fingerprint()
    url = databases.new()
    other = create_app({"SQLALCHEMY_DATABASE_URI": url})
    try:
        with other.app_context():
            demo.build_demo(seed=11, scale=0.1, now=now)
            second = _fingerprint()
            demo_other = db.session.scalars(sa.select(Person.email)).all()
            db.session.remove()
            db.engine.dispose()
    finally:
        databases.drop(url)
    assert first == second and demo_other
    assert ledger.verify().ok


def test_cli_builds_then_leaves_alone_refuses_and_resets(runner):
    built_once = runner.invoke(args=["demo", "--scale", "0.1"])
    assert built_once.exit_code == 0, built_once.output
    assert demo.DEMO_PASSWORD in built_once.output
    assert "lead@icb.demo.hexqi.org" in built_once.output
    orgs, transfers = count(Organisation), count(Transfer)
    assert orgs > 11 and transfers > 0

    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "leaving it as it is" in again.output
    assert (count(Organisation), count(Transfer)) == (orgs, transfers)

    refused = runner.invoke(args=["demo"])
    assert refused.exit_code == 1 and "--reset" in refused.output
    assert (count(Organisation), count(Transfer)) == (orgs, transfers)

    both = runner.invoke(args=["demo", "--reset", "--if-empty"])
    assert both.exit_code == 2

    rebuilt = runner.invoke(args=["demo", "--reset", "--scale", "0.1"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert count(Organisation) == orgs
    assert count(System) == 1
    assert ledger.verify().ok
