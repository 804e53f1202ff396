"""A small timebank world for the ledger tests: a coach in one organisation, a team in
another, an accepted match between them, a system lead and an outsider."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher

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
    TrainingEvent,
    utcnow,
)
from hexqi.models import people as people_module
from tests import factories as f

FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ledger tests build many people; a light argon2 keeps them fast."""
    monkeypatch.setattr(people_module, "_hasher", FAST_HASHER)

# Recent enough that hours logged "now" are not yet expired.
START = (utcnow() - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)


@dataclass
class World:
    system: System
    coach_org: Organisation
    team_org: Organisation
    coach: Person
    coach2: Person
    member: Person
    member2: Person
    outsider: Person
    lead: Person
    team: Team
    team2: Team
    request: SupportRequest
    match: Match
    match2: Match
    clock: list[datetime] = field(default_factory=lambda: [START])

    def session(self, match: Match | None = None, minutes: int = 60,
                starts_at: datetime | None = None) -> CoachingSession:
        s = CoachingSession(match=match or self.match, minutes=minutes,
                            starts_at=starts_at or START - timedelta(hours=2))
        db.session.add(s)
        db.session.commit()
        return s

    def training(self, minutes: int = 120, coach: Person | None = None) -> TrainingEvent:
        event = TrainingEvent(coach=coach or self.coach, host_organisation=self.team_org,
                              title="PDSA in a day", starts_at=START - timedelta(days=1),
                              minutes=minutes)
        db.session.add(event)
        db.session.commit()
        return event


def build(floor_minutes: int = -20 * 60) -> World:
    system = f.system()
    system.credit_floor_minutes = floor_minutes
    coach_org = f.organisation("Coach Trust", OrgKind.ACUTE_TRUST, system)
    team_org = f.organisation("Team Practice", OrgKind.GP_PRACTICE, system)
    coach = f.coach(coach_org, name="Cora Coach")
    coach2 = f.coach(coach_org, name="Colin Coach")
    member = f.person(team_org, Role.TEAM_MEMBER, name="Mo Member")
    member2 = f.person(team_org, Role.TEAM_MEMBER, name="Mia Member")
    outsider = f.person(team_org, Role.TEAM_MEMBER, name="Otto Outsider")
    lead = f.person(coach_org, Role.SYSTEM_LEAD, name="Lee Lead")
    team = f.team(team_org, [member, member2], name="Diabetes clinic")
    team2 = f.team(team_org, [outsider], name="Front desk")
    request = f.support_request(team, member)
    request2 = f.support_request(team2, outsider)
    match = Match(request=request, coach=coach, status=MatchStatus.ACCEPTED)
    match2 = Match(request=request2, coach=coach2, status=MatchStatus.ACCEPTED)
    db.session.add_all([match, match2])
    db.session.commit()
    return World(system, coach_org, team_org, coach, coach2, member, member2, outsider, lead,
                 team, team2, request, match, match2)
