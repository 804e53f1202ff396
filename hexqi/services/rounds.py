"""Matching rounds: database rows -> matching.Problem -> Result -> proposals, then publishing.

A round is started (queued) by a system lead over a chosen set of open requests, run in the
background (``hexqi.services.jobs``), reviewed (override or remove a proposal by hand) and
published, which tells coaches and teams. Turning rows into the matcher's data (who is
available, remaining capacity, exclusions) lives in ``hexqi.services.round_problem``.

**No duplicates.** Running a round (again) first deletes every *unpublished* proposal, of any
round, for the round's requests; published and accepted matches are never touched, and a
request that has one (or is no longer open) is left out of the run.

Public functions that change data commit, or roll back and re-raise.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from hexqi.extensions import db
from hexqi.models import (
    Match,
    MatchingRound,
    MatchStatus,
    Organisation,
    Person,
    PersonRole,
    RequestStatus,
    Role,
    RoundStatus,
    SupportRequest,
    Team,
    TeamMember,
    utcnow,
)
from hexqi.services.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from hexqi.services.round_problem import (  # noqa: F401  (re-exported for views and tests)
    LIVE_STATUSES,
    CoachRoom,
    Commitment,
    _id_of,
    _matchable_requests,
    _problem_data,
    build_problem,
    coach_key,
    coach_rooms,
    commitments,
    count_available_coaches,
    count_open_requests,
    open_requests,
    request_key,
    team_key,
)

log = logging.getLogger(__name__)

POLICIES = {"required": "Cross-organisation required", "preferred": "Cross-organisation preferred"}
# A queued or running round that has not changed for this long no longer blocks new rounds
# (its worker died), and a system lead may mark it failed.
STALE_AFTER = timedelta(minutes=30)
PROGRESS_EVERY_S = 0.25


# ------------------------------------------------------------------ starting a round


def _system_lead_of(actor: Person, system_id: int) -> None:
    if not actor.has_role(Role.SYSTEM_LEAD) or actor.organisation.system_id != system_id:
        raise Forbidden("Only a system lead of this system can manage its matching rounds.")


def get_round(round_id: int, system_id: int | None = None) -> MatchingRound:
    rnd = db.session.get(MatchingRound, round_id)
    if rnd is None or (system_id is not None and rnd.system_id != system_id):
        raise NotFound("There is no such round.")
    return rnd


def _blocking_rounds(system_id: int, request_ids: set[int],
                     exclude: int | None = None) -> list[MatchingRound]:
    since = utcnow() - STALE_AFTER
    stmt = sa.select(MatchingRound).where(
        MatchingRound.system_id == system_id,
        MatchingRound.status.in_([RoundStatus.QUEUED, RoundStatus.RUNNING]),
        MatchingRound.updated_at >= since)
    if exclude is not None:
        stmt = stmt.where(MatchingRound.id != exclude)
    return [r for r in db.session.scalars(stmt) if request_ids & set(r.request_ids or [])]


def start_round(system_id: int, actor: Person, request_ids: Iterable[int | str],
                policy: str) -> MatchingRound:
    """Queue a round over ``request_ids`` (open requests of the system). Commits."""
    try:
        _system_lead_of(actor, system_id)
        if policy not in POLICIES:
            raise InvalidInput("Choose whether cross-organisation matches are required or "
                               "preferred.", field="policy")
        try:
            ids = {int(i) for i in request_ids}
        except (TypeError, ValueError):
            raise InvalidInput("The chosen requests were not understood; please choose again.",
                               field="request_ids") from None
        if not ids:
            raise InvalidInput("Choose at least one open request for the round.",
                               field="request_ids")
        found = set(db.session.scalars(
            open_requests(system_id).where(SupportRequest.id.in_(ids))
            .with_only_columns(SupportRequest.id).order_by(None)))
        missing = sorted(ids - found)
        if missing:
            shown = ", ".join(f"#{i}" for i in missing[:10])
            raise InvalidInput(f"These requests are not open requests of this system: {shown}. "
                               "Reload the page and choose again.", field="request_ids")
        busy = _blocking_rounds(system_id, ids)
        if busy:
            raise Conflict(f"Round {busy[0].id} is still running over some of these requests; "
                           "wait for it to finish, then start a new round.")
        rnd = MatchingRound(system_id=system_id, created_by=actor, policy=policy,
                            request_ids=sorted(ids), status=RoundStatus.QUEUED, progress=0.0,
                            message="Waiting to start")
        db.session.add(rnd)
        db.session.commit()
        return rnd
    except Exception:
        db.session.rollback()
        raise


def requeue_round(round_id: int, actor: Person) -> MatchingRound:
    """Queue a finished or failed, unpublished round to run again. Commits."""
    try:
        rnd = get_round(round_id)
        _system_lead_of(actor, rnd.system_id)
        if rnd.status == RoundStatus.PUBLISHED:
            raise Conflict("This round is published; start a new round to match again.")
        if rnd.status in (RoundStatus.QUEUED, RoundStatus.RUNNING):
            raise Conflict("This round is already running.")
        busy = _blocking_rounds(rnd.system_id, set(rnd.request_ids or []), exclude=rnd.id)
        if busy:
            raise Conflict(f"Round {busy[0].id} is still running over some of these requests; "
                           "wait for it to finish.")
        rnd.status, rnd.progress, rnd.message = RoundStatus.QUEUED, 0.0, "Waiting to start"
        db.session.commit()
        return rnd
    except Exception:
        db.session.rollback()
        raise


def is_stale(rnd: MatchingRound) -> bool:
    """Queued or running, with no change for STALE_AFTER: its worker has most likely died."""
    return rnd.status in (RoundStatus.QUEUED, RoundStatus.RUNNING) and \
        rnd.updated_at < utcnow() - STALE_AFTER


def give_up_round(round_id: int, actor: Person) -> MatchingRound:
    """Mark a stale round failed, so it can be run again. Commits."""
    try:
        rnd = get_round(round_id)
        _system_lead_of(actor, rnd.system_id)
        if rnd.status not in (RoundStatus.QUEUED, RoundStatus.RUNNING):
            raise Conflict("This round is not running.")
        if not is_stale(rnd):
            minutes = int(STALE_AFTER.total_seconds() // 60)
            raise Conflict(f"Round {rnd.id} reported progress within the last {minutes} "
                           "minutes; it is still working. Wait for it to finish.")
        rnd.status = RoundStatus.FAILED
        rnd.message = (f"Marked as failed by {actor.name}: the round stopped reporting "
                       "progress (its worker may have stopped). Run it again.")[:480]
        db.session.commit()
        return rnd
    except Exception:
        db.session.rollback()
        raise


def cli_round(policy: str, time_limit: float | None, system_name: str | None = None,
              by_email: str | None = None) -> MatchingRound:
    """For ``flask match run``: start a round over every open request and run it now."""
    from hexqi.models import System

    systems = db.session.scalars(sa.select(System).order_by(System.id)).all()
    if system_name:
        systems = [s for s in systems if s.name == system_name]
    if len(systems) != 1:
        raise InvalidInput("Name the system with --system." if systems
                           else "No such system; check the name (or run the demo first).")
    system_id = systems[0].id
    leads = (sa.select(Person).join(Person.organisation).join(PersonRole)
             .where(Organisation.system_id == system_id, PersonRole.role == Role.SYSTEM_LEAD)
             .order_by(Person.id))
    if by_email:
        leads = leads.where(Person.email == by_email.strip().lower())
    actor = db.session.scalars(leads).first()
    if actor is None:
        raise InvalidInput("No system lead found to start the round; pass --by EMAIL.")
    ids = list(db.session.scalars(open_requests(system_id)
                                  .with_only_columns(SupportRequest.id).order_by(None)))
    if not ids:
        raise InvalidInput("There are no open requests to match.")
    rnd = start_round(system_id, actor, ids, policy)
    return run_round(rnd.id, time_limit=time_limit)


# ------------------------------------------------------------------ running


def _write_progress(round_id: int, **values: Any) -> None:
    """Write progress in its own short transaction on its own connection, so pages polling
    the round see it at once, whatever the session running the round is doing."""
    with db.engine.begin() as conn:
        conn.execute(sa.update(MatchingRound).where(MatchingRound.id == round_id).values(**values))


def _progress_writer(round_id: int) -> Callable[[float, str], None]:
    last = {"at": 0.0, "fraction": -1.0}

    def progress(fraction: float, message: str) -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        now = time.monotonic()
        if fraction < 1.0 and now - last["at"] < PROGRESS_EVERY_S \
                and fraction - last["fraction"] < 0.05:
            return
        last["at"], last["fraction"] = now, fraction
        # The matcher's last step finishes at 1.0; the round is done only once it is saved.
        _write_progress(round_id, progress=min(fraction, 0.99), message=str(message)[:480])

    return progress


def _claim(round_id: int) -> bool:
    """Move the round from queued (or done/failed, for a direct re-run) to running, once."""
    with db.engine.begin() as conn:
        res = conn.execute(
            sa.update(MatchingRound)
            .where(MatchingRound.id == round_id,
                   MatchingRound.status.in_([RoundStatus.QUEUED, RoundStatus.DONE,
                                             RoundStatus.FAILED]))
            .values(status=RoundStatus.RUNNING, progress=0.0, message="Reading the round"))
        return res.rowcount == 1


def _summary(result: dict[str, Any]) -> str:
    matched = len(result.get("assignments", []))
    total = matched + len(result.get("unmatched", []))
    text = (f"{matched} of {total} requests matched; coverage {result.get('coverage', 0)} "
            f"(best possible at most {result.get('coverage_bound', 0)})")
    if result.get("skipped"):
        text += f"; {len(result['skipped'])} left out (no longer open)"
    return text


def run_round(round_id: int, time_limit: float | None = None) -> MatchingRound:
    """Run the matcher for a queued round and save its proposals. Never raises for a matcher
    failure: the round is marked failed with a readable message instead."""
    if not _claim(round_id):
        rnd = get_round(round_id)
        raise Conflict(f"Round {round_id} cannot run now (it is {rnd.status.value}).")
    db.session.expire_all()
    try:
        return _run(round_id, time_limit)
    except Exception as exc:
        db.session.rollback()
        log.exception("matching round %s failed", round_id)
        _write_progress(round_id, status=RoundStatus.FAILED, message=_failure(exc)[:480])
        db.session.expire_all()
        return get_round(round_id)


def fail_round(round_id: int, message: str) -> None:
    """Mark a queued round failed (e.g. the background queue could not be reached)."""
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(sa.update(MatchingRound)
                     .where(MatchingRound.id == round_id,
                            MatchingRound.status == RoundStatus.QUEUED)
                     .values(status=RoundStatus.FAILED, message=message[:480]))
    db.session.expire_all()


def _failure(exc: Exception) -> str:
    """A message for the lead: the matcher's input errors and our domain errors are written
    for people; anything else is summarised (the traceback goes to the log)."""
    if type(exc).__name__ == "InputError" or isinstance(exc, DomainError):
        return f"The round could not run: {exc}"
    return ("The matcher stopped with an error and no proposals were saved. Run the round "
            "again; if it fails again, tell your administrator.")


def _run(round_id: int, time_limit: float | None) -> MatchingRound:
    # Imported here so the web app starts without loading OR-Tools until a round runs.
    from matching import Problem, SolveParams, solve

    rnd = get_round(round_id)
    requests, skipped = _matchable_requests(rnd)
    data = _problem_data(rnd, requests, coach_rooms(rnd.system_id))
    system_id, policy = rnd.system_id, rnd.policy
    db.session.commit()  # end the read transaction: hold no locks while the matcher works
    _write_progress(round_id, progress=0.02,
                    message=f"Matching {len(data['requests'])} requests with "
                            f"{len(data['coaches'])} coaches")
    problem = Problem.from_dict(data)
    limit = float(time_limit if time_limit is not None
                  else current_app.config.get("MATCHING_TIME_LIMIT", 20))
    result = solve(problem, SolveParams(time_limit=limit, progress=_progress_writer(round_id)))
    payload = result.to_dict()
    payload["skipped"] = [{"request": request_key(i), "reason": why}
                          for i, why in sorted(skipped.items())]
    payload["policy"] = policy
    payload["sizes"] = {"coaches": len(data["coaches"]), "requests": len(data["requests"])}
    _save_result(round_id, system_id, [r.id for r in requests], payload)
    return get_round(round_id)


def _replace_unpublished(request_ids: list[int]) -> None:
    if request_ids:
        db.session.execute(sa.delete(Match).where(
            Match.request_id.in_(request_ids), Match.published.is_(False),
            Match.status == MatchStatus.PROPOSED))


def _save_result(round_id: int, system_id: int, request_ids: list[int],
                 payload: dict[str, Any]) -> None:
    try:
        rnd = get_round(round_id)
        _replace_unpublished(request_ids)
        for a in payload.get("assignments", []):
            db.session.add(Match(request_id=_id_of(a["request"]), coach_id=_id_of(a["coach"]),
                                 round_id=round_id, status=MatchStatus.PROPOSED,
                                 score=float(a.get("score", 0)),
                                 reasons=list(a.get("reasons", [])),
                                 published=False, by_hand=False))
        rnd.result = payload
        rnd.status = RoundStatus.DONE
        rnd.progress = 1.0
        rnd.message = _summary(payload)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


# ------------------------------------------------------------------ reviewing


def _reviewable(round_id: int, actor: Person) -> MatchingRound:
    rnd = get_round(round_id)
    _system_lead_of(actor, rnd.system_id)
    if rnd.status == RoundStatus.PUBLISHED:
        raise Conflict("This round is already published; its proposals cannot change.")
    if rnd.status != RoundStatus.DONE:
        raise Conflict("Wait for the round to finish before changing its proposals.")
    return rnd


def _round_request(rnd: MatchingRound, request_id: int) -> SupportRequest:
    req = db.session.get(SupportRequest, request_id)
    if req is None or request_id not in (rnd.request_ids or []):
        raise InvalidInput("Choose a request from this round.", field="request_id")
    if req.status != RequestStatus.OPEN:
        raise InvalidInput(f"Request #{req.id} is no longer open (it is {req.status.value}).",
                           field="request_id")
    return req


def override_match(round_id: int, request_id: int, coach_person_id: int,
                   actor: Person) -> Match:
    """Propose ``coach_person_id`` for the request by hand, replacing any proposal. Commits."""
    try:
        rnd = _reviewable(round_id, actor)
        req = _round_request(rnd, request_id)
        room = next((r for r in coach_rooms(rnd.system_id)
                     if r.profile.person_id == coach_person_id), None)
        coach = db.session.get(Person, coach_person_id)
        if coach is None or coach.organisation.system_id != rnd.system_id \
                or not coach.has_role(Role.COACH):
            raise InvalidInput("Choose a coach of this system.", field="coach_id")
        if room is None:
            raise InvalidInput(f"{coach.name} is not available this month (paused, away, no "
                               "approved time, or fully committed).", field="coach_id")
        if rnd.policy == "required" and coach.organisation_id == req.team.organisation_id:
            raise InvalidInput(f"This round requires a coach from another organisation; "
                               f"{coach.name} works at {coach.organisation.name}.",
                               field="coach_id")
        member = db.session.scalar(sa.select(TeamMember).where(
            TeamMember.team_id == req.team_id, TeamMember.person_id == coach.id))
        if member is not None:
            raise InvalidInput(f"{coach.name} is a member of {req.team.name}.", field="coach_id")
        others = db.session.scalars(sa.select(Match).join(Match.request).where(
            Match.round_id == rnd.id, Match.coach_id == coach.id,
            Match.request_id != req.id)).all()
        hours_left = room.hours - sum(m.request.hours for m in others)
        if req.hours > hours_left:
            raise InvalidInput(f"{coach.name} has {max(hours_left, 0)} hours left this month; "
                               f"the request needs {req.hours}.", field="coach_id")
        if len(others) >= room.teams:
            raise InvalidInput(f"{coach.name} has no team places left this month.",
                               field="coach_id")
        db.session.execute(sa.delete(Match).where(
            Match.request_id == req.id, Match.published.is_(False),
            Match.status == MatchStatus.PROPOSED))
        match = Match(request_id=req.id, coach_id=coach.id, round_id=rnd.id,
                      status=MatchStatus.PROPOSED, score=0.0, by_hand=True, published=False,
                      reasons=[f"chosen by {actor.name}"], created_by_id=actor.id)
        db.session.add(match)
        db.session.commit()
        return match
    except Exception:
        db.session.rollback()
        raise


def remove_proposal(round_id: int, request_id: int, actor: Person) -> None:
    """Remove the round's proposal for a request (it will not be published). Commits."""
    try:
        rnd = _reviewable(round_id, actor)
        match = db.session.scalar(sa.select(Match).where(
            Match.round_id == rnd.id, Match.request_id == request_id,
            Match.published.is_(False)))
        if match is None:
            raise NotFound("This round has no proposal for that request.")
        db.session.delete(match)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def open_round_requests(rnd: MatchingRound) -> list[SupportRequest]:
    """The round's requests that are still open (a lead may propose a coach by hand)."""
    return list(db.session.scalars(
        sa.select(SupportRequest).where(SupportRequest.id.in_(rnd.request_ids or []),
                                        SupportRequest.status == RequestStatus.OPEN)
        .options(joinedload(SupportRequest.team).joinedload(Team.organisation))
        .order_by(SupportRequest.id)))


def proposals(round_id: int) -> sa.Select[Any]:
    return (sa.select(Match).where(Match.round_id == round_id)
            .options(joinedload(Match.request).joinedload(SupportRequest.team)
                     .joinedload(Team.organisation),
                     joinedload(Match.request).joinedload(SupportRequest.project),
                     joinedload(Match.coach).joinedload(Person.organisation))
            .order_by(Match.request_id))


@dataclass(frozen=True)
class Unserved:
    request: SupportRequest | None
    request_id: int
    reason: str


def unserved(rnd: MatchingRound) -> list[Unserved]:
    """The round's requests without a proposal, each with the matcher's (or our) reason."""
    if rnd.result is None:
        return []
    reasons = {_id_of(u["request"]): u["reason"] for u in rnd.result.get("unmatched", [])}
    reasons.update({_id_of(u["request"]): u["reason"] for u in rnd.result.get("skipped", [])})
    proposed = set(db.session.scalars(
        sa.select(Match.request_id).where(Match.round_id == rnd.id)))
    ids = [i for i in (rnd.request_ids or []) if i not in proposed]
    rows = {r.id: r for r in db.session.scalars(
        sa.select(SupportRequest).where(SupportRequest.id.in_(ids))
        .options(joinedload(SupportRequest.team).joinedload(Team.organisation),
                 joinedload(SupportRequest.project)))}
    out = []
    for i in ids:
        why = reasons.get(i)
        if why is None:
            why = ("proposal removed by hand" if rnd.status == RoundStatus.DONE
                   else "replaced by a later round")
        out.append(Unserved(rows.get(i), i, why))
    return out


# ------------------------------------------------------------------ publishing


def publish_round(round_id: int, actor: Person) -> MatchingRound:
    """Publish the round's proposals: requests become matched, coaches and team members are
    told. Publishing twice is refused. Commits, or changes nothing."""
    from hexqi.services.notify import notify
    from hexqi.services.requests import set_status

    try:
        rnd = get_round(round_id)
        _system_lead_of(actor, rnd.system_id)
        if rnd.status == RoundStatus.PUBLISHED:
            raise Conflict("This round was already published.")
        if rnd.status != RoundStatus.DONE:
            raise Conflict("Only a finished round can be published.")
        matches = db.session.scalars(proposals(rnd.id).where(Match.published.is_(False))).all()
        if not matches:
            raise Conflict("This round has no proposals to publish. Run it again or override "
                           "a request by hand.")
        stale = [m.request_id for m in matches if m.request.status != RequestStatus.OPEN]
        if stale:
            listed = ", ".join(f"#{i}" for i in stale[:10])
            raise Conflict(f"Requests {listed} are no longer open; remove their proposals, "
                           "then publish.")
        claimed = db.session.execute(
            sa.update(MatchingRound)
            .where(MatchingRound.id == rnd.id, MatchingRound.status == RoundStatus.DONE)
            .values(status=RoundStatus.PUBLISHED, published_at=utcnow())
            .execution_options(synchronize_session=False))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("This round was already published.")
        for m in matches:
            m.published = True
            req, coach = m.request, m.coach
            set_status(req, RequestStatus.MATCHED, actor,
                       note=f"Round {rnd.id}: {coach.name} proposed", commit=False)
            _tell(notify, m)
        db.session.commit()
        db.session.refresh(rnd)
        return rnd
    except Exception:
        db.session.rollback()
        raise


def _tell(notify: Callable[..., Any], m: Match) -> None:
    req, coach = m.request, m.coach
    team, org = req.team, req.team.organisation
    title = req.project.title if req.project else f"request #{req.id}"
    why = "; ".join(m.reasons) if m.reasons else "chosen by the system lead"
    notify(coach, f"Match proposed: {team.name} ({org.name})",
           f"You have been proposed as coach for {team.name} at {org.name}, on "
           f"\"{title}\" ({req.hours} hours).\n\nWhy you: {why}.\n\n"
           "Please accept or decline it on your coaching page.")
    members = db.session.scalars(sa.select(Person).join(TeamMember, TeamMember.person_id ==
                                                        Person.id)
                                 .where(TeamMember.team_id == team.id,
                                        Person.active.is_(True))).all()
    for person in members:
        notify(person, f"Match published: {coach.name} for \"{title}\"",
               f"{coach.name} ({coach.organisation.name}) has been proposed as the coach for "
               f"your team's request \"{title}\". They will accept or decline it soon; you will "
               "hear when they do.")
