"""Matching rounds: rows -> problem, running the matcher, reviewing and publishing."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import (
    CoachAbsence,
    Match,
    MatchingRound,
    MatchStatus,
    OutboxMessage,
    RequestEvent,
    RequestStatus,
    Role,
    RoundStatus,
    TeamMember,
    utcnow,
)
from hexqi.services import rounds
from hexqi.services.errors import Conflict, Forbidden, InvalidInput
from tests import factories as f


@pytest.fixture
def world(app):
    """Two organisations, three coaches, two teams with requests; committed."""
    lead_org = f.organisation("Surrey ICB")
    lead = f.person(lead_org, Role.SYSTEM_LEAD, name="Lena Lead")
    acute = f.organisation("Acute Trust")
    gp = f.organisation("GP Practice")
    c_acute = f.coach(acute, {"pdsa": 3, "spc": 2}, name="Ada Acute")
    c_gp = f.coach(gp, {"pdsa": 2}, name="Gus GP")
    c_icb = f.coach(lead_org, {"pdsa": 1}, name="Ian ICB", approved=None)  # not approved
    member_a = f.person(acute, Role.TEAM_MEMBER, name="Amy Member")
    member_g = f.person(gp, Role.TEAM_MEMBER, name="Gail Member")
    team_a = f.team(acute, [member_a], name="Ward 7")
    team_g = f.team(gp, [member_g], name="Practice nurses")
    req_a = f.support_request(team_a, member_a, {"pdsa": 2}, hours=4, priority=3)
    req_g = f.support_request(team_g, member_g, {"spc": 2}, hours=4, priority=2)
    db.session.commit()
    return {"lead": lead, "acute": acute, "gp": gp, "c_acute": c_acute, "c_gp": c_gp,
            "c_icb": c_icb, "team_a": team_a, "team_g": team_g, "req_a": req_a,
            "req_g": req_g, "member_a": member_a, "member_g": member_g, "sys": lead_org.system}


def _start(w, policy="required", ids=None) -> MatchingRound:
    ids = ids if ids is not None else [w["req_a"].id, w["req_g"].id]
    return rounds.start_round(w["sys"].id, w["lead"], ids, policy)


def test_build_problem_uses_approved_capacity_only(world):
    rnd = _start(world)
    data = rounds.build_problem(rnd)
    coaches = {c["id"]: c for c in data["coaches"]}
    assert set(coaches) == {f"c{world['c_acute'].id}", f"c{world['c_gp'].id}"}
    ada = coaches[f"c{world['c_acute'].id}"]
    assert ada["org"] == world["acute"].slug
    assert ada["skills"] == {"pdsa": 3, "spc": 2}
    assert ada["capacity_hours"] == 10 and ada["max_teams"] == 3
    assert ada["modes"] == ["virtual"] and ada["slots"] == ["mon-am", "wed-pm"]
    reqs = {r["id"]: r for r in data["requests"]}
    ra = reqs[f"r{world['req_a'].id}"]
    assert ra["team"] == f"t{world['team_a'].id}" and ra["org"] == world["acute"].slug
    assert ra["skills"] == {"pdsa": 2} and ra["priority"] == 3 and ra["hours"] == 4
    assert data["policy"] == {"cross_org": "required"}
    # the matcher accepts it as it stands
    from matching import Problem
    assert len(Problem.from_dict(data).coaches) == 2


def test_build_problem_caps_by_approved_hours(world):
    world["c_gp"].coach_profile.approved_hours = 6  # offers 10, organisation releases 6
    db.session.commit()
    data = rounds.build_problem(_start(world))
    gus = next(c for c in data["coaches"] if c["id"] == f"c{world['c_gp'].id}")
    assert gus["capacity_hours"] == 6


def test_build_problem_skips_paused_and_away_coaches(world):
    world["c_acute"].coach_profile.paused = True
    today = utcnow().date()
    db.session.add(CoachAbsence(profile=world["c_gp"].coach_profile,
                                starts_on=today - timedelta(days=1),
                                ends_on=today + timedelta(days=2)))
    db.session.commit()
    assert rounds.build_problem(_start(world))["coaches"] == []


def test_build_problem_subtracts_this_months_commitments(world):
    other_team = f.team(world["gp"], [world["member_g"]], name="Reception")
    busy = f.support_request(other_team, world["member_g"], hours=7)
    busy.status = RequestStatus.ACTIVE
    db.session.add(Match(request=busy, coach=world["c_acute"], status=MatchStatus.ACCEPTED,
                         published=True))
    db.session.commit()
    data = rounds.build_problem(_start(world))
    ada = next(c for c in data["coaches"] if c["id"] == f"c{world['c_acute'].id}")
    assert ada["capacity_hours"] == 3 and ada["max_teams"] == 2


def test_build_problem_excludes_team_members_and_sets_previous_coach(world):
    # Gus coaches, and is also a member of Ward 7: never his own team.
    world["team_a"].members.append(TeamMember(person=world["c_gp"]))
    old = f.support_request(world["team_g"], world["member_g"], hours=2)
    old.status = RequestStatus.CLOSED
    db.session.add(Match(request=old, coach=world["c_acute"], status=MatchStatus.ACCEPTED,
                         published=True, decided_at=utcnow()))
    db.session.commit()
    data = rounds.build_problem(_start(world))
    assert [f"c{world['c_gp'].id}", f"t{world['team_a'].id}"] in data["exclusions"]
    rg = next(r for r in data["requests"] if r["id"] == f"r{world['req_g'].id}")
    assert rg["previous_coach"] == f"c{world['c_acute'].id}"


def test_start_round_validates(world):
    with pytest.raises(InvalidInput) as err:
        _start(world, policy="sometimes")
    assert err.value.field == "policy"
    with pytest.raises(InvalidInput):
        _start(world, ids=[])
    world["req_g"].status = RequestStatus.CANCELLED
    db.session.commit()
    with pytest.raises(InvalidInput) as err:
        _start(world)
    assert f"#{world['req_g'].id}" in str(err.value)
    with pytest.raises(Forbidden):
        rounds.start_round(world["sys"].id, world["member_a"], [world["req_a"].id], "required")
    assert db.session.scalar(sa.select(sa.func.count(MatchingRound.id))) == 0


def test_run_round_creates_proposals(world):
    rnd = _start(world)
    assert rnd.status == RoundStatus.QUEUED
    rnd = rounds.run_round(rnd.id, time_limit=5)
    assert rnd.status == RoundStatus.DONE, rnd.message
    assert rnd.progress == 1.0
    got = {m.request_id: m for m in db.session.scalars(rounds.proposals(rnd.id))}
    # required policy: Ward 7 (acute) gets Gus (GP), the GP team's spc request gets Ada (acute)
    assert got[world["req_a"].id].coach_id == world["c_gp"].id
    assert got[world["req_g"].id].coach_id == world["c_acute"].id
    for m in got.values():
        assert m.status == MatchStatus.PROPOSED and not m.published and not m.by_hand
        assert m.reasons
    assert rnd.result["coverage"] == 5 and rnd.result["coverage_bound"] == 5
    assert rounds.unserved(rnd) == []


def test_unmatched_requests_keep_their_reason(world):
    world["c_acute"].coach_profile.paused = True
    db.session.commit()
    rnd = rounds.run_round(_start(world).id, time_limit=5)
    missing = rounds.unserved(rnd)
    assert [u.request_id for u in missing] == [world["req_g"].id]
    from_matcher = {u["request"]: u["reason"] for u in rnd.result["unmatched"]}
    assert missing[0].reason == from_matcher[f"r{world['req_g'].id}"]
    assert missing[0].reason and missing[0].request.team.name == "Practice nurses"


def test_rerun_does_not_duplicate(world):
    rnd = rounds.run_round(_start(world).id, time_limit=5)
    rounds.requeue_round(rnd.id, world["lead"])
    rounds.run_round(rnd.id, time_limit=5)
    second = rounds.run_round(_start(world).id, time_limit=5)
    per_request = db.session.execute(
        sa.select(Match.request_id, sa.func.count()).group_by(Match.request_id)).all()
    assert sorted(n for _, n in per_request) == [1, 1]
    assert {m.round_id for m in db.session.scalars(sa.select(Match))} == {second.id}


def test_published_matches_are_never_touched(world):
    first = rounds.run_round(_start(world).id, time_limit=5)
    rounds.publish_round(first.id, world["lead"])
    # a declined match sends the request back to open; a new round may re-match it
    m = db.session.scalar(sa.select(Match).where(Match.request_id == world["req_a"].id))
    m.status = MatchStatus.DECLINED
    world["req_a"].status = RequestStatus.OPEN
    db.session.commit()
    second = rounds.run_round(_start(world, ids=[world["req_a"].id]).id, time_limit=5)
    db.session.refresh(m)
    assert m.status == MatchStatus.DECLINED and m.published and m.round_id == first.id
    # the coach who declined is excluded from that team, and no other coach qualifies
    assert db.session.scalars(rounds.proposals(second.id)).all() == []


def test_override_and_remove(world):
    rnd = rounds.run_round(_start(world, policy="preferred").id, time_limit=5)
    extra = f.coach(world["gp"], {"pdsa": 2}, name="Olga Other")
    db.session.commit()
    m = rounds.override_match(rnd.id, world["req_a"].id, extra.id, world["lead"])
    assert m.by_hand and m.reasons == ["chosen by Lena Lead"] and m.coach_id == extra.id
    assert db.session.scalar(sa.select(sa.func.count(Match.id)).where(
        Match.request_id == world["req_a"].id)) == 1
    # same organisation is refused when the policy requires crossing
    rnd.policy = "required"
    db.session.commit()
    with pytest.raises(InvalidInput) as err:
        rounds.override_match(rnd.id, world["req_a"].id, world["c_acute"].id, world["lead"])
    assert err.value.field == "coach_id" and "another organisation" in str(err.value)
    with pytest.raises(InvalidInput) as err:  # not approved: no capacity
        rounds.override_match(rnd.id, world["req_a"].id, world["c_icb"].id, world["lead"])
    assert "not available" in str(err.value)
    rounds.remove_proposal(rnd.id, world["req_a"].id, world["lead"])
    assert [u.reason for u in rounds.unserved(rnd)] == ["proposal removed by hand"]


def test_publish_notifies_and_refuses_twice(world):
    rnd = rounds.run_round(_start(world).id, time_limit=5)
    rounds.publish_round(rnd.id, world["lead"])
    assert rnd.status == RoundStatus.PUBLISHED and rnd.published_at is not None
    for req in (world["req_a"], world["req_g"]):
        db.session.refresh(req)
        assert req.status == RequestStatus.MATCHED
    assert all(m.published for m in db.session.scalars(sa.select(Match)))
    events = db.session.scalars(sa.select(RequestEvent).where(
        RequestEvent.to_status == RequestStatus.MATCHED)).all()
    assert len(events) == 2
    mail = {(o.to_person_id, o.subject.split(":")[0]) for o in
            db.session.scalars(sa.select(OutboxMessage))}
    assert mail == {(world["c_gp"].id, "Match proposed"), (world["c_acute"].id, "Match proposed"),
                    (world["member_a"].id, "Match published"),
                    (world["member_g"].id, "Match published")}
    with pytest.raises(Conflict):
        rounds.publish_round(rnd.id, world["lead"])
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 4
    with pytest.raises(Conflict):
        rounds.override_match(rnd.id, world["req_a"].id, world["c_gp"].id, world["lead"])


def test_publish_refuses_when_a_request_was_withdrawn(world):
    rnd = rounds.run_round(_start(world).id, time_limit=5)
    world["req_g"].status = RequestStatus.WITHDRAWN
    db.session.commit()
    with pytest.raises(Conflict) as err:
        rounds.publish_round(rnd.id, world["lead"])
    assert f"#{world['req_g'].id}" in str(err.value)
    db.session.refresh(rnd)
    assert rnd.status == RoundStatus.DONE
    db.session.refresh(world["req_a"])
    assert world["req_a"].status == RequestStatus.OPEN
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_matcher_failure_marks_round_failed(world, monkeypatch):
    import matching

    def broken(problem, params):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(matching, "solve", broken)
    rnd = rounds.run_round(_start(world).id, time_limit=5)
    assert rnd.status == RoundStatus.FAILED
    assert "Run the round again" in rnd.message and "exploded" not in rnd.message
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == 0


def test_progress_is_visible_to_other_connections_while_solving(world, monkeypatch):
    import matching

    real = matching.solve
    seen: list[float] = []

    def watched(problem, params):
        def progress(fraction, message):
            params_progress(fraction, message)
            with db.engine.connect() as conn:  # a separate connection, like the polling page
                seen.append(conn.scalar(sa.select(MatchingRound.progress)
                                        .where(MatchingRound.id == rnd.id)))

        params_progress = params.progress
        return real(problem, dataclasses.replace(params, progress=progress))

    monkeypatch.setattr(matching, "solve", watched)
    rnd = _start(world)
    rounds.run_round(rnd.id, time_limit=5)
    assert seen and any(0 < v < 1 for v in seen)
    assert seen == sorted(seen)


def _age(rnd: MatchingRound, minutes: int) -> None:
    """Pretend the round last changed `minutes` ago (a Core update sets updated_at itself)."""
    db.session.execute(sa.update(MatchingRound).where(MatchingRound.id == rnd.id)
                       .values(updated_at=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()
    db.session.expire_all()


def test_progress_keeps_a_round_fresh_and_a_silent_one_goes_stale(world):
    rnd = _start(world)
    _age(rnd, 45)
    assert rounds.is_stale(rounds.get_round(rnd.id))
    rounds._write_progress(rnd.id, progress=0.5, message="halfway")
    db.session.expire_all()
    fresh = rounds.get_round(rnd.id)
    assert not rounds.is_stale(fresh)
    assert fresh.updated_at > utcnow() - timedelta(minutes=1)


def test_give_up_only_a_stale_round_then_run_it_again(world):
    rnd = _start(world)
    with pytest.raises(Conflict, match="still working"):
        rounds.give_up_round(rnd.id, world["lead"])
    assert rounds.get_round(rnd.id).status == RoundStatus.QUEUED
    # a blocked new round over the same requests, until the old one goes stale
    with pytest.raises(Conflict):
        _start(world)
    _age(rnd, 31)
    with pytest.raises(Forbidden):
        rounds.give_up_round(rnd.id, world["member_a"])
    assert rounds.get_round(rnd.id).status == RoundStatus.QUEUED
    failed = rounds.give_up_round(rnd.id, world["lead"])
    assert failed.status == RoundStatus.FAILED
    assert "Lena Lead" in failed.message
    with pytest.raises(Conflict, match="not running"):
        rounds.give_up_round(rnd.id, world["lead"])
    rounds.requeue_round(rnd.id, world["lead"])
    done = rounds.run_round(rnd.id, time_limit=2)
    assert done.status == RoundStatus.DONE
    assert db.session.scalar(sa.select(sa.func.count(Match.id))
                             .where(Match.round_id == rnd.id)) >= 1
