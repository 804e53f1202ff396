"""Matching rounds, part one: database rows -> the matcher's instance data.

* **Who the matcher sees.** Coaches of the round's system holding the coach role, active, in an
  active organisation, not paused, not away today (``CoachAbsence``), offering at least one mode,
  with approved protected time (``CoachProfile.usable_hours`` > 0).
* **Remaining capacity this month.** A coach's *live* matches are those published and not
  declined (proposed to them, or accepted) whose request is still matched or active. Each live
  match commits the request's hours less the session minutes already held on it *before* this
  calendar month (hours held in earlier months came out of those months). Capacity for the round
  = usable hours - committed hours (whole hours, rounded down); teams left = max_teams - live
  matches. Coaches with no hours or no team places left are not offered.
  Unpublished proposals of other rounds commit nothing: only a published round binds a coach.
* **Conflicts of interest.** A coach never gets a team they belong to, nor a team whose request
  they already declined.
* **Continuity.** ``previous_coach`` is the coach of the team's most recent accepted match.
* **Ids.** Coaches ``c<person id>``, requests ``r<request id>``, teams ``t<team id>``;
  organisations by slug.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from hexqi.extensions import db
from hexqi.models import (
    CoachAbsence,
    CoachingSession,
    CoachProfile,
    CoachSkill,
    Match,
    MatchingRound,
    MatchStatus,
    Organisation,
    Person,
    PersonRole,
    RequestSkill,
    RequestStatus,
    Role,
    SessionStatus,
    SupportRequest,
    Team,
    TeamMember,
)
from hexqi.timefmt import local_month_start, local_today

LIVE_STATUSES = (MatchStatus.PROPOSED, MatchStatus.ACCEPTED)
LIVE_REQUEST_STATUSES = (RequestStatus.MATCHED, RequestStatus.ACTIVE)


# ------------------------------------------------------------------ ids used in the problem

def coach_key(person_id: int) -> str:
    return f"c{person_id}"


def request_key(request_id: int) -> str:
    return f"r{request_id}"


def team_key(team_id: int) -> str:
    return f"t{team_id}"


def _id_of(key: str) -> int:
    return int(key[1:])


# ------------------------------------------------------------------ queries


def _live_match() -> sa.ColumnElement[bool]:
    """Matches that bind a coach: published, not declined, request still matched or active."""
    return sa.and_(Match.published.is_(True), Match.status.in_(LIVE_STATUSES),
                   SupportRequest.status.in_(LIVE_REQUEST_STATUSES))


def open_requests(system_id: int, organisation_id: int | None = None,
                  priority: int | None = None) -> sa.Select[Any]:
    """Open requests of the system with no live match, most urgent first."""
    live = (sa.select(Match.id).where(Match.request_id == SupportRequest.id,
                                      Match.published.is_(True),
                                      Match.status.in_(LIVE_STATUSES)).exists())
    stmt = (sa.select(SupportRequest).join(SupportRequest.team).join(Team.organisation)
            .where(Organisation.system_id == system_id,
                   SupportRequest.status == RequestStatus.OPEN, ~live)
            .options(joinedload(SupportRequest.team).joinedload(Team.organisation),
                     joinedload(SupportRequest.project),
                     selectinload(SupportRequest.skills).joinedload(RequestSkill.skill))
            .order_by(SupportRequest.priority.desc(), SupportRequest.created_at,
                      SupportRequest.id))
    if organisation_id:
        stmt = stmt.where(Team.organisation_id == organisation_id)
    if priority:
        stmt = stmt.where(SupportRequest.priority == priority)
    return stmt


def count_open_requests(system_id: int) -> int:
    stmt = open_requests(system_id).with_only_columns(sa.func.count(SupportRequest.id))
    return db.session.scalar(stmt.order_by(None)) or 0


def _today() -> date:
    return local_today()  # the UK day: a coach away "today" is away from UK midnight


def _available_profiles(system_id: int) -> sa.Select[Any]:
    today = _today()
    away = sa.select(CoachAbsence.profile_id).where(CoachAbsence.starts_on <= today,
                                                    CoachAbsence.ends_on >= today)
    is_coach = (sa.select(PersonRole.person_id)
                .where(PersonRole.person_id == Person.id, PersonRole.role == Role.COACH)
                .exists())
    return (sa.select(CoachProfile).join(CoachProfile.person).join(Person.organisation)
            .where(Organisation.system_id == system_id, Organisation.active.is_(True),
                   Person.active.is_(True), is_coach, CoachProfile.paused.is_(False),
                   CoachProfile.approved_hours > 0, CoachProfile.capacity_hours > 0,
                   sa.or_(CoachProfile.virtual.is_(True), CoachProfile.in_person.is_(True)),
                   CoachProfile.id.not_in(away)))


def count_available_coaches(system_id: int) -> int:
    """Coaches the matcher could use today (before subtracting this month's commitments)."""
    stmt = _available_profiles(system_id).with_only_columns(sa.func.count(CoachProfile.id))
    return db.session.scalar(stmt) or 0


@dataclass(frozen=True)
class Commitment:
    minutes: int = 0
    teams: int = 0


def commitments(person_ids: Iterable[int], today: date | None = None) -> dict[int, Commitment]:
    """Per coach: minutes committed this month and the number of teams, from live matches."""
    ids = list(person_ids)
    if not ids:
        return {}
    month_start = local_month_start(today or _today())  # UK month, as naive UTC
    held_before = (sa.select(sa.func.coalesce(sa.func.sum(CoachingSession.minutes), 0))
                   .where(CoachingSession.match_id == Match.id,
                          CoachingSession.status == SessionStatus.HELD,
                          CoachingSession.starts_at < month_start)
                   .scalar_subquery())
    rows = db.session.execute(
        sa.select(Match.coach_id, SupportRequest.hours, held_before)
        .join(Match.request).where(Match.coach_id.in_(ids), _live_match()))
    minutes: dict[int, int] = defaultdict(int)
    teams: dict[int, int] = defaultdict(int)
    for coach_id, hours, held in rows:
        minutes[coach_id] += max(0, hours * 60 - int(held or 0))
        teams[coach_id] += 1
    return {cid: Commitment(minutes[cid], teams[cid]) for cid in teams}


@dataclass(frozen=True)
class CoachRoom:
    """What a coach has left for a round."""

    profile: CoachProfile
    hours: int
    teams: int


def coach_rooms(system_id: int) -> list[CoachRoom]:
    """Available coaches with their remaining hours and team places (both > 0)."""
    profiles = db.session.scalars(
        _available_profiles(system_id)
        .options(joinedload(CoachProfile.person).joinedload(Person.organisation),
                 selectinload(CoachProfile.skills).joinedload(CoachSkill.skill),
                 selectinload(CoachProfile.slots))
        .order_by(CoachProfile.person_id)).all()
    committed = commitments(p.person_id for p in profiles)
    rooms = []
    for p in profiles:
        used = committed.get(p.person_id, Commitment())
        hours = (p.usable_hours * 60 - used.minutes) // 60
        teams = p.max_teams - used.teams
        if hours > 0 and teams > 0:
            rooms.append(CoachRoom(p, hours, teams))
    return rooms


# ------------------------------------------------------------------ the problem


def _matchable_requests(rnd: MatchingRound) -> tuple[list[SupportRequest], dict[int, str]]:
    """The round's requests that can still be matched, and why the others were left out."""
    ids = list(rnd.request_ids or [])
    rows = db.session.scalars(
        sa.select(SupportRequest).where(SupportRequest.id.in_(ids))
        .options(joinedload(SupportRequest.team).joinedload(Team.organisation),
                 selectinload(SupportRequest.skills).joinedload(RequestSkill.skill),
                 selectinload(SupportRequest.slots))
        .order_by(SupportRequest.id)).all()
    live = set(db.session.scalars(
        sa.select(Match.request_id).where(Match.request_id.in_(ids), Match.published.is_(True),
                                          Match.status.in_(LIVE_STATUSES))))
    keep: list[SupportRequest] = []
    skipped: dict[int, str] = {}
    for r in rows:
        if r.team.organisation.system_id != rnd.system_id:
            skipped[r.id] = "not a request of this system"
        elif r.status != RequestStatus.OPEN:
            skipped[r.id] = f"no longer open (it is {r.status.value})"
        elif r.id in live:
            skipped[r.id] = "already has a published match"
        else:
            keep.append(r)
    for i in set(ids) - {r.id for r in rows}:
        skipped[i] = "the request no longer exists"
    return keep, skipped


def _location(lat: float | None, lon: float | None) -> list[float] | None:
    return [lat, lon] if lat is not None and lon is not None else None


def _problem_data(rnd: MatchingRound, requests: list[SupportRequest],
                  rooms: list[CoachRoom]) -> dict[str, Any]:
    coach_ids = {room.profile.person_id for room in rooms}
    team_ids = {r.team_id for r in requests}
    request_ids = [r.id for r in requests]
    exclusions: set[tuple[str, str]] = set()
    if team_ids and coach_ids:
        for team_id, person_id in db.session.execute(
                sa.select(TeamMember.team_id, TeamMember.person_id)
                .where(TeamMember.team_id.in_(team_ids), TeamMember.person_id.in_(coach_ids))):
            exclusions.add((coach_key(person_id), team_key(team_id)))
        for team_id, person_id in db.session.execute(
                sa.select(SupportRequest.team_id, Match.coach_id).join(Match.request)
                .where(Match.request_id.in_(request_ids),
                       Match.status == MatchStatus.DECLINED)):
            if person_id in coach_ids:
                exclusions.add((coach_key(person_id), team_key(team_id)))
    previous: dict[int, int] = {}
    if team_ids:
        for team_id, person_id in db.session.execute(
                sa.select(SupportRequest.team_id, Match.coach_id).join(Match.request)
                .where(SupportRequest.team_id.in_(team_ids),
                       Match.status == MatchStatus.ACCEPTED)
                .order_by(Match.decided_at.desc().nulls_last(), Match.id.desc())):
            previous.setdefault(team_id, person_id)
    coaches = []
    for room in rooms:
        p = room.profile
        modes = [m for m, on in (("virtual", p.virtual), ("in_person", p.in_person)) if on]
        coaches.append({
            "id": coach_key(p.person_id), "org": p.person.organisation.slug,
            "skills": {s.skill.slug: s.level for s in p.skills},
            "capacity_hours": room.hours, "max_teams": room.teams,
            "slots": sorted(s.slot for s in p.slots), "modes": modes,
            "location": _location(p.latitude, p.longitude), "travel_km": p.travel_km,
        })
    reqs = []
    for r in requests:
        prev = previous.get(r.team_id)
        reqs.append({
            "id": request_key(r.id), "team": team_key(r.team_id),
            "org": r.team.organisation.slug,
            "skills": {s.skill.slug: s.min_level for s in r.skills},
            "hours": r.hours, "slots": sorted(s.slot for s in r.slots), "mode": r.mode.value,
            "location": _location(r.latitude, r.longitude), "priority": r.priority,
            "previous_coach": coach_key(prev) if prev in coach_ids else None,
        })
    return {"policy": {"cross_org": rnd.policy}, "coaches": coaches, "requests": reqs,
            "exclusions": [list(e) for e in sorted(exclusions)]}


def build_problem(rnd: MatchingRound) -> dict[str, Any]:
    """The round as matcher instance data (the JSON contract of ``matching``)."""
    requests, _ = _matchable_requests(rnd)
    return _problem_data(rnd, requests, coach_rooms(rnd.system_id))
