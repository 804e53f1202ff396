"""Set-ups shared by the coach-journey tests: a published proposal, an accepted match,
logging a person in through the session cookie."""

from __future__ import annotations

from dataclasses import dataclass

from hexqi.extensions import db
from hexqi.models import Match, MatchStatus, Person, RequestStatus, Role, SupportRequest, Team
from tests import factories as f


@dataclass
class Scene:
    coach: Person
    member: Person
    team: Team
    request: SupportRequest
    match: Match
    lead: Person


def proposal(coach: Person | None = None, status: MatchStatus = MatchStatus.PROPOSED,
             request_status: RequestStatus = RequestStatus.MATCHED) -> Scene:
    """A published match of ``coach`` to another organisation's team, and a system lead."""
    coach = coach or f.coach(skills={"pdsa": 2, "spc": 3})
    member = f.person(None, Role.TEAM_MEMBER)
    team = f.team(member.organisation, [member])
    req = f.support_request(team, member, skills={"pdsa": 1}, hours=6,
                            slots=("wed-pm", "thu-am"))
    req.status = request_status
    lead = f.person(None, Role.SYSTEM_LEAD)
    match = Match(request=req, coach_id=coach.id, status=status, published=True, score=0.9,
                  reasons=["Covers PDSA at level 2 (needs 1)", "Free on Wednesday afternoons"])
    db.session.add(match)
    db.session.commit()
    return Scene(coach, member, team, req, match, lead)


def accepted(coach: Person | None = None) -> Scene:
    return proposal(coach, MatchStatus.ACCEPTED, RequestStatus.ACTIVE)
