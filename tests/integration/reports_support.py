"""Set-ups shared by the report tests: a small ledger built through the real ledger service
(sessions, training, a reversal, a donation) with fixed dates, and a query counter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hexqi.extensions import db
from hexqi.models import (
    CoachingSession,
    Match,
    MatchStatus,
    Organisation,
    OrgKind,
    Person,
    Role,
    SupportRequest,
    System,
    Team,
    Tier,
    TrainingAttendance,
    TrainingEvent,
    Transfer,
)
from hexqi.services import ledger
from tests import factories as f

PERIOD = {"from": "2025-01-01", "to": "2025-06-30"}


def session_hours(coach: Person, team: Team, member: Person, minutes: int, at: datetime,
                  skills: dict[str, int] | None = None, req: SupportRequest | None = None
                  ) -> Transfer:
    """A held session, logged by the coach and confirmed by the team member (posted at +2h)."""
    req = req or f.support_request(team, member, skills=skills or {"pdsa": 1})
    match = Match(request=req, coach_id=coach.id, status=MatchStatus.ACCEPTED, published=True)
    db.session.add(match)
    db.session.flush()
    held = CoachingSession(match_id=match.id, starts_at=at, minutes=minutes)
    db.session.add(held)
    db.session.commit()
    pending = ledger.log_session(held, coach, at=at + timedelta(hours=1))
    return ledger.confirm_pending(pending.id, member, at=at + timedelta(hours=2))


def training_hours(coach: Person, host: Organisation, minutes: int, at: datetime,
                   attendees: list[Person] = (), skill: str | None = "pdsa") -> Transfer:  # type: ignore[assignment]
    event = TrainingEvent(coach_id=coach.id, host_organisation_id=host.id, title="QI basics",
                          starts_at=at, minutes=minutes,
                          skill_id=f.skill(skill).id if skill else None)
    db.session.add(event)
    db.session.flush()
    for person in attendees:
        db.session.add(TrainingAttendance(event_id=event.id, person_id=person.id))
    db.session.commit()
    return ledger.record_training(event, coach, at=at)


@dataclass
class World:
    system: System
    lead: Person
    orgs: dict[str, Organisation]
    coaches: dict[str, Person]
    members: dict[str, Person]
    teams: dict[str, Team]
    transfers: dict[str, Transfer] = field(default_factory=dict)


def build_world(name: str = "Test ICS", prefix: str = "") -> World:
    """Three organisations of three kinds, a coach and a team in each, and a ledger:

    in the period (2025-01-01..2025-06-30): sessions A→B 90, A→C 60 (two skills), B→A 45,
    B→C 120 (reversed on 15 Apr) and 30, A→A 30 (same organisation); training A→C 180 and
    C→A 60; a donation of 60 from coach A to team C; the reversal (1 Feb) of a C→B session
    posted in December. Outside: sessions in December 2024 and July 2025.
    """
    sys = f.system(name)
    orgs = {
        "A": f.organisation(f"{prefix}Alpha Acute", OrgKind.ACUTE_TRUST, sys, "North"),
        "B": f.organisation(f"{prefix}Beta Practice", OrgKind.GP_PRACTICE, sys, "South"),
        "C": f.organisation(f"{prefix}Gamma Hospice", OrgKind.HOSPICE, sys, "North"),
    }
    lead = f.person(orgs["A"], Role.SYSTEM_LEAD, tier=Tier.LEAD)
    coaches = {k: f.coach(org, skills={"pdsa": 2, "spc": 2}) for k, org in orgs.items()}
    members = {k: f.person(org, Role.TEAM_MEMBER) for k, org in orgs.items()}
    teams = {k: f.team(orgs[k], [members[k]]) for k in orgs}
    db.session.commit()
    w = World(sys, lead, orgs, coaches, members, teams)

    def s(key: str, giver: str, receiver: str, minutes: int, at: datetime, **kw: object) -> None:
        w.transfers[key] = session_hours(coaches[giver], teams[receiver], members[receiver],
                                         minutes, at, **kw)  # type: ignore[arg-type]

    s("dec_cb", "C", "B", 30, datetime(2024, 12, 1, 10))
    s("dec_ab", "A", "B", 60, datetime(2024, 12, 20, 10))
    s("ab", "A", "B", 90, datetime(2025, 2, 10, 10))
    s("ac", "A", "C", 60, datetime(2025, 3, 5, 10), skills={"pdsa": 1, "spc": 1})
    s("ba", "B", "A", 45, datetime(2025, 3, 20, 10), skills={"spc": 1})
    s("bc_reversed", "B", "C", 120, datetime(2025, 4, 2, 10))
    s("bc", "B", "C", 30, datetime(2025, 5, 1, 10))
    s("aa", "A", "A", 30, datetime(2025, 6, 1, 10))
    s("jul_ab", "A", "B", 60, datetime(2025, 7, 5, 10))
    w.transfers["train_ac"] = training_hours(coaches["A"], orgs["C"], 180,
                                             datetime(2025, 4, 10, 9),
                                             [members["C"], members["B"]])
    w.transfers["train_ca"] = training_hours(coaches["C"], orgs["A"], 60,
                                             datetime(2025, 5, 20, 9), [members["A"]], skill=None)
    w.transfers["rev_bc"] = ledger.reverse(w.transfers["bc_reversed"].id, lead, "Logged twice",
                                           at=datetime(2025, 4, 15, 12))
    w.transfers["rev_dec_cb"] = ledger.reverse(w.transfers["dec_cb"].id, lead, "Did not happen",
                                               at=datetime(2025, 2, 1, 12))
    w.transfers["gift"] = ledger.donate(coaches["A"], teams["C"], 60, coaches["A"],
                                        at=datetime(2025, 5, 5, 12))
    return w
