from hexqi.models import RequestStatus, Role
from tests import factories as f


def test_factories_build_a_coach_and_a_request_in_different_organisations(app):
    coach = f.coach(skills={"pdsa": 3, "spc": 2})
    member = f.person(None, Role.TEAM_MEMBER)
    tm = f.team(member.organisation, [member])
    req = f.support_request(tm, member, skills={"spc": 2})
    assert coach.organisation_id != tm.organisation_id
    assert coach.coach_profile is not None
    assert {s.skill.slug for s in coach.coach_profile.skills} == {"pdsa", "spc"}
    assert req.status is RequestStatus.OPEN
    assert [s.slot for s in req.slots] == ["wed-pm"]
