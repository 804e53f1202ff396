"""Six months of demo history: requests, rounds, matches, sessions, training and hours.

``build(w)`` adds the rows (requests with their audit events, published rounds, matches,
sessions, training events, outbox messages) and plans every movement of hours as a
ledger call; ``post_hours(w)`` then makes those calls through ``hexqi.services.ledger``
oldest first, back-dated with ``at``, so the hash chain runs in time order and every
ledger rule (confirmation by the other party, the credit floor, reversals) is applied
for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import (
    CoachingSession,
    Match,
    MatchingRound,
    MatchStatus,
    Mode,
    OrgKind,
    OutboxMessage,
    Person,
    Project,
    RequestEvent,
    RequestSkill,
    RequestSlot,
    RequestStatus,
    RoundStatus,
    SessionStatus,
    SupportRequest,
    Tier,
    TrainingAttendance,
    TrainingEvent,
)
from hexqi.models.common import SLOTS
from hexqi.models.requests import ProjectStage
from hexqi.services import demo_data as data
from hexqi.timefmt import format_date

if TYPE_CHECKING:
    from hexqi.services.demo import CoachInfo, TeamInfo, World

S = RequestStatus
DAYS = ("mon", "tue", "wed", "thu", "fri")
MONTHLY_ROUNDS_DAYS_AGO = (198, 172, 142, 112, 82, 52, 22)
CURRENT_ROUND_DAYS_AGO = 4
FLOOR_MARGIN = 150  # minutes a team keeps above the credit floor
SESSION_NOTES = (
    "Agreed the aim and a first measure.",
    "Mapped the current process with the team; found three hand-offs to test.",
    "Reviewed the first PDSA cycle and planned the next one.",
    "Built a run chart from the last twelve weeks of data.",
    "Drafted a driver diagram together.",
    "Talked through how to involve patients in the next test.",
    "Looked at what to do when the change does not stick on nights.",
    "Planned how to share the results with the wider team.",
)


@dataclass
class Op:
    """One ledger call, made later in time order."""

    at: datetime
    seq: int
    kind: str  # log | confirm | decline | training | donate | reverse
    actor: Person | None = None
    session: CoachingSession | None = None
    event: TrainingEvent | None = None
    team: Any = None
    minutes: int = 0
    memo: str = ""
    ref: Op | None = None
    transfer_id: int | None = None


@dataclass
class Load:
    """A coach's live match (published, not declined, request not finished), as the matcher
    counts it: it binds one team place and the request's hours less those held before the
    current month."""

    start: datetime
    end: datetime
    minutes: int
    held: list[tuple[datetime, int]]


@dataclass
class RoundPlan:
    at: datetime
    row: MatchingRound
    assigned: list[tuple[SupportRequest, Match]] = field(default_factory=list)
    unmatched: list[tuple[SupportRequest, str]] = field(default_factory=list)


class History:
    def __init__(self, w: World) -> None:
        self.w, self.rng, self.now = w, w.rng, w.now
        self.ops: list[Op] = []
        self.requests: list[SupportRequest] = []
        self.messages: list[OutboxMessage] = []
        self.session_log: dict[int, tuple[Op, Op | None]] = {}  # id(session) -> (log, answer)
        self.session_team: dict[int, TeamInfo] = {}
        self.org_spent: dict[int, int] = {}
        self.rounds = [self._round(w.days_ago(d)) for d in MONTHLY_ROUNDS_DAYS_AGO]
        self.current = self._round(w.days_ago(CURRENT_ROUND_DAYS_AGO))
        self.spec_of: dict[int, data.ProjectSpec] = {}
        self.held: dict[int, list[tuple[datetime, int]]] = {}  # id(match) -> sessions held
        self.skipped = 0

    # -- small helpers
    def op(self, at: datetime, kind: str, **kw: Any) -> Op:
        o = Op(at, len(self.ops), kind, **kw)
        self.ops.append(o)
        return o

    def lead(self) -> Person:
        return self.rng.choice(self.w.leads)

    def days(self, low: float, high: float) -> timedelta:
        return timedelta(days=self.rng.uniform(low, high))

    def member(self, team: TeamInfo, before: datetime | None = None) -> Person:
        people = [p for p in team.members if before is None or p.created_at < before]
        return self.rng.choice(people or team.members)

    def tell(self, person: Person, at: datetime, subject: str, body: str) -> None:
        self.messages.append(OutboxMessage(to_person_id=person.id, to_email=person.email,
                                           subject=subject[:200], body=body, created_at=at))

    def _round(self, at: datetime) -> RoundPlan:
        at = at.replace(hour=10, minute=0)
        row = MatchingRound(system_id=self.w.system.id, created_by=self.lead(), created_at=at,
                            policy="required", status=RoundStatus.PUBLISHED, progress=1.0,
                            message="", request_ids=[], published_at=at + timedelta(hours=2))
        db.session.add(row)
        return RoundPlan(at, row)


# ---------------------------------------------------------------------------- requests


def _project_spec(h: History, team: TeamInfo, avoid: set[str] | None = None
                  ) -> data.ProjectSpec:
    pool = [p for p in data.PROJECTS[h.w.family[id(team.org)]]
            if not avoid or p.title not in avoid]
    return h.rng.choice(pool)


def _new_request(h: History, team: TeamInfo, created: datetime, *,
                 spec: data.ProjectSpec | None = None, hours: int | None = None,
                 mode: Mode | None = None, skills: dict[str, int] | None = None,
                 priority: int | None = None, slots: list[str] | None = None,
                 by: Person | None = None) -> SupportRequest:
    spec = spec or _project_spec(h, team)
    skills = dict(skills or _plain_skills(h, spec, 0.4))
    mode = mode or h.rng.choices((Mode.VIRTUAL, Mode.EITHER, Mode.IN_PERSON), (55, 30, 15))[0]
    lat, lon = h.w.coords(team.org)
    by = by or h.member(team, created)
    project = Project(team=team.team, title=spec.title, aim=spec.aim, stage=ProjectStage.IDEA,
                      created_at=created)
    req = SupportRequest(
        team=team.team, project=project,
        hours=hours or h.rng.choice((4, 4, 6, 6, 6, 8, 8, 10)), mode=mode,
        location=h.w.town[id(team.org)], latitude=lat, longitude=lon,
        priority=priority or h.rng.choices((1, 2, 3, 4, 5), (10, 25, 35, 20, 10))[0],
        status=S.OPEN, created_by=by, created_at=created, updated_at=created,
        skills=[RequestSkill(skill=h.w.skills[s], min_level=lv) for s, lv in skills.items()],
        slots=[RequestSlot(slot=s) for s in sorted(
            slots or h.rng.sample(SLOTS, h.rng.randint(2, 5)))])
    req.events.append(RequestEvent(actor=by, from_status=None, to_status=S.OPEN,
                                   note="Request filed", at=created))
    db.session.add(req)
    h.requests.append(req)
    team.requests += 1
    h.spec_of[id(req)] = spec
    return req


def _status(req: SupportRequest, to: RequestStatus, actor: Person | None, at: datetime,
            note: str) -> None:
    req.events.append(RequestEvent(actor=actor, from_status=req.status, to_status=to,
                                   note=note, at=at))
    req.status, req.updated_at = to, at


def _finish_project(h: History, req: SupportRequest) -> None:
    """Stage and outcome measure that fit how far the project got."""
    spec = h.spec_of[id(req)]
    project = req.project
    gain = {S.CLOSED: (0.15, 0.45), S.ACTIVE: (0.0, 0.25), S.WITHDRAWN: (-0.05, 0.08)}
    share = {S.CLOSED: 0.95, S.ACTIVE: 0.65, S.WITHDRAWN: 0.3, S.OPEN: 0.4, S.MATCHED: 0.4}
    stages = {S.CLOSED: (ProjectStage.IMPLEMENTING, ProjectStage.SPREADING),
              S.ACTIVE: (ProjectStage.DIAGNOSIS, ProjectStage.TESTING),
              S.WITHDRAWN: (ProjectStage.DIAGNOSIS, ProjectStage.TESTING),
              S.CANCELLED: (ProjectStage.IDEA,)}
    project.stage = h.rng.choice(stages.get(req.status, (ProjectStage.IDEA,
                                                         ProjectStage.DIAGNOSIS)))
    if spec.measure is None or h.rng.random() > share.get(req.status, 0):
        return
    name, unit, baseline, direction = spec.measure
    baseline = round(baseline * h.rng.uniform(0.85, 1.15), 1)
    low, high = gain.get(req.status, (0.0, 0.0))
    latest = baseline * (1 + direction * h.rng.uniform(low, high)) if high else baseline
    if unit == "%":
        latest = min(latest, 99.0)
    project.measure_name, project.measure_unit = name, unit
    project.measure_baseline, project.measure_latest = baseline, round(latest, 1)
    project.measured_on = min(req.updated_at, h.now).date()


# ---------------------------------------------------------------------------- matching


def _distance_ok(c: CoachInfo, req: SupportRequest) -> tuple[bool, float]:
    from hexqi.services.demo import distance_km

    p = c.profile
    if not p.in_person or p.latitude is None or req.latitude is None:
        return False, 0.0
    km = distance_km((p.latitude, p.longitude), (req.latitude, req.longitude))  # type: ignore
    return km <= p.travel_km, km


def _can_meet(c: CoachInfo, req: SupportRequest) -> bool:
    near, _km = _distance_ok(c, req)
    if req.mode is Mode.VIRTUAL:
        return c.profile.virtual
    if req.mode is Mode.IN_PERSON:
        return near
    return c.profile.virtual or near


def _commitment(c: CoachInfo, at: datetime) -> tuple[int, int]:
    """(team places, minutes) the coach's live matches take at ``at``."""
    month = datetime.combine(at.date().replace(day=1), time())
    teams = minutes = 0
    for load in c.busy:
        if load.start <= at < load.end:
            teams += 1
            minutes += max(0, load.minutes - sum(m for when, m in load.held if when < month))
    return teams, minutes


def _bind(h: History, c: CoachInfo, match: Match, req: SupportRequest, at: datetime) -> Load:
    load = Load(at, h.now + timedelta(days=60), req.hours * 60,
                h.held.setdefault(id(match), []))
    c.busy.append(load)
    return load


def _choose_coach(h: History, req: SupportRequest, team: TeamInfo, at: datetime,
                  exclude: tuple[CoachInfo, ...] = ()) -> CoachInfo | None:
    """A coach the matcher could have proposed then; a system lead stretches a coach's hours
    by hand when nobody has enough left."""
    return (_pick_coach(h, req, team, at, exclude, strict=True)
            or _pick_coach(h, req, team, at, exclude, strict=False))


def _pick_coach(h: History, req: SupportRequest, team: TeamInfo, at: datetime,
                exclude: tuple[CoachInfo, ...], strict: bool) -> CoachInfo | None:
    skills = {s.skill.slug: s.min_level for s in req.skills}
    slots = {s.slot for s in req.slots}
    options: list[tuple[CoachInfo, float]] = []
    for c in h.w.coaches:
        if (not c.approved or c.lead_since > at - timedelta(days=5) or c.org is team.org
                or c in exclude or c.person in team.members or not _can_meet(c, req)):
            continue
        places, minutes = _commitment(c, at)
        if places >= c.profile.max_teams or (
                strict and minutes + req.hours * 60 > c.profile.usable_hours * 60):
            continue
        known = sum(1 for s in skills if c.skills.get(s, 0) >= 1)
        if not known:
            continue
        covered = all(c.skills.get(s, 0) >= lv for s, lv in skills.items())
        shared = len(slots & {s.slot for s in c.profile.slots})
        options.append((c, c.weight * (5 if covered else 1) * (1 + known) * (1 + shared)))
    if not options:
        return None
    full = [(c, wt) for c, wt in options if _covers(c, req)]
    options = full or options  # like the matcher, prefer coaches with every skill asked for
    return h.rng.choices([c for c, _ in options], [wt for _, wt in options])[0]


def _covers(c: CoachInfo, req: SupportRequest) -> bool:
    """The matcher proposes only coaches with every skill at the level asked for."""
    return all(c.skills.get(s.skill.slug, 0) >= s.min_level for s in req.skills)


def _skills_reason(req: SupportRequest, team: TeamInfo) -> str:
    wanted = " and ".join(f"{s.skill.slug} at level {s.min_level}"
                          for s in sorted(req.skills, key=lambda s: s.skill.slug))
    return f"no coach outside {team.org.slug} with room this month has {wanted} together"


def _reasons(c: CoachInfo, req: SupportRequest, team: TeamInfo) -> list[str]:
    skills = {s.skill.slug: s.min_level for s in req.skills}
    out = [f"cross-organisation: {c.org.slug} coach for a {team.org.slug} team",
           "skills: " + ", ".join(f"{s} {c.skills.get(s, 0)} (needs {lv})"
                                  for s, lv in sorted(skills.items()))]
    shared = sorted({s.slot for s in req.slots} & {s.slot for s in c.profile.slots})
    if shared:
        out.append(f"shared slot{'s' if len(shared) > 1 else ''}: {', '.join(shared)}")
    near, km = _distance_ok(c, req)
    if req.mode is not Mode.VIRTUAL and near:
        out.append(f"in person, {km:.1f} km (coach travels up to {c.profile.travel_km} km)")
    else:
        out.append("virtual")
    out.append(f"uses {req.hours} of the coach's {c.profile.usable_hours} hours")
    return out


def _propose(h: History, req: SupportRequest, team: TeamInfo, c: CoachInfo, at: datetime,
             plan: RoundPlan | None, actor: Person) -> Match:
    by_hand = plan is None
    match = Match(request=req, coach=c.person, round=None if by_hand else plan.row,
                  status=MatchStatus.PROPOSED,
                  score=0.0 if by_hand else round(h.rng.uniform(55, 96), 1),
                  reasons=[f"chosen by {actor.name}"] if by_hand else _reasons(c, req, team),
                  by_hand=by_hand, published=True, created_by_id=actor.id, created_at=at)
    db.session.add(match)
    if plan is not None:
        plan.assigned.append((req, match))
        note = f"Matching round of {format_date(plan.at)}: {c.person.name} proposed"
    else:
        note = f"Matched by hand: {c.person.name} proposed"
    _status(req, S.MATCHED, actor, at, note)
    return match


def _accept(req: SupportRequest, match: Match, c: CoachInfo, at: datetime) -> None:
    match.status, match.decided_at = MatchStatus.ACCEPTED, at
    _status(req, S.ACTIVE, c.person, at, f"{c.person.name} accepted the proposal")


def _decline(h: History, req: SupportRequest, match: Match, c: CoachInfo, at: datetime) -> None:
    reason = h.rng.choice(data.DECLINE_REASONS)
    match.status, match.decided_at = MatchStatus.DECLINED, at
    _status(req, S.OPEN, c.person, at, f"{c.person.name} declined the proposal: {reason}")


# ---------------------------------------------------------------------------- sessions


def _slot_time(h: History, after: datetime, slots: list[str]) -> datetime:
    """The first half-day on or after ``after`` that is one of ``slots``."""
    for k in range(0, 21):
        day = (after + timedelta(days=k)).date()
        if day.weekday() > 4:
            continue
        options = [s for s in slots if s.startswith(DAYS[day.weekday()])]
        if not options:
            continue
        slot = h.rng.choice(options)
        hour = h.rng.choice((9, 10, 11)) if slot.endswith("am") else h.rng.choice((13, 14, 15))
        at = datetime.combine(day, time(hour, h.rng.choice((0, 30))))
        if at >= after:
            return at
    return after.replace(hour=10, minute=0) + timedelta(days=1)


def _session_mode(h: History, req: SupportRequest, c: CoachInfo) -> Mode:
    near, _km = _distance_ok(c, req)
    if req.mode is Mode.IN_PERSON or (req.mode is Mode.EITHER and near and
                                      (not c.profile.virtual or h.rng.random() < 0.5)):
        return Mode.IN_PERSON
    return Mode.VIRTUAL


def _hold(h: History, match: Match, req: SupportRequest, team: TeamInfo, c: CoachInfo,
          start: datetime, minutes: int, logged_by: str | None = None,
          answer: bool | None = None) -> CoachingSession:
    """A held session, with its log and (usually) its confirmation planned as ledger calls."""
    session = CoachingSession(match=match, starts_at=start, minutes=minutes,
                              mode=_session_mode(h, req, c), status=SessionStatus.SCHEDULED,
                              notes=h.rng.choice(SESSION_NOTES), created_at=start)
    db.session.add(session)
    end = start + timedelta(minutes=minutes)
    side = logged_by or ("coach" if h.rng.random() < 0.8 else "team")
    log_at = min(end + h.days(0.05, 3), h.now - timedelta(minutes=30))
    member = h.member(team, start)
    log = h.op(log_at, "log", actor=c.person if side == "coach" else member, session=session)
    answer_at = log_at + h.days(0.1, 6)
    reply = None
    if answer is not False and answer_at < h.now - timedelta(minutes=10):
        reply = h.op(answer_at, "confirm", actor=member if side == "coach" else c.person,
                     session=session)
        if side == "coach" and h.rng.random() < 0.55:
            session.feedback_rating = h.rng.choices((5, 4, 3, 2), (45, 40, 12, 3))[0]
            if h.rng.random() < 0.6:
                session.feedback_comment = h.rng.choice(data.FEEDBACK)
    h.held.setdefault(id(match), []).append((start, minutes))
    h.session_log[id(session)] = (log, reply)
    h.session_team[id(session)] = team
    team.used_minutes += minutes
    return session


def _sessions(h: History, req: SupportRequest, match: Match, team: TeamInfo, c: CoachInfo,
              accepted: datetime, *, max_held: int | None = None,
              pending_by: str | None = None) -> tuple[datetime, bool]:
    """Sessions from acceptance on. Returns (time of the last held session, finished)."""
    slots = sorted({s.slot for s in req.slots} & {s.slot for s in c.profile.slots}) or \
        sorted(s.slot for s in req.slots)
    # Many projects reach their aim before using every hour they asked for.
    target = int(req.hours * 60 * h.rng.uniform(0.7, 1.0))
    total, held = 0, 0
    last = accepted
    at = accepted + h.days(3, 10)
    cap = -h.w.floor - FLOOR_MARGIN
    while total < target and (max_held is None or held < max_held):
        start = _slot_time(h, at, slots)
        minutes = min(h.rng.choices((45, 60, 90, 120), (5, 35, 40, 20))[0],
                      max(30, target - total))
        if start + timedelta(minutes=minutes) > h.now - timedelta(hours=2) or (
                pending_by and start > h.now - timedelta(days=7)):
            if start < h.now + timedelta(days=21) and start > h.now:
                db.session.add(CoachingSession(
                    match=match, starts_at=start, minutes=minutes,
                    mode=_session_mode(h, req, c), status=SessionStatus.SCHEDULED,
                    created_at=h.now - h.days(0.5, 6)))
            break
        if team.used_minutes + minutes > cap:
            return last, True  # the team's credit is running low: wrap up here
        if h.rng.random() < 0.03:
            db.session.add(CoachingSession(match=match, starts_at=start, minutes=minutes,
                                           mode=Mode.VIRTUAL, status=SessionStatus.CANCELLED,
                                           notes="Cancelled: ward too busy", created_at=start))
            at = start + h.days(5, 10)
            continue
        _hold(h, match, req, team, c, start, minutes)
        total, held, last = total + minutes, held + 1, start
        at = start + h.days(5, 14)
    if pending_by:  # a recent session still waiting for the other party's confirmation
        start = _slot_time(h, h.now - h.days(6, 7), slots)
        if start + timedelta(minutes=60) > h.now - timedelta(days=1):
            start = (h.now - timedelta(days=3)).replace(hour=10, minute=0)
        _hold(h, match, req, team, c, start, 60, logged_by=pending_by, answer=False)
        return start, False
    return last, total >= target


# ---------------------------------------------------------------------------- one request's life


def _next_round(h: History, after: datetime) -> RoundPlan | None:
    return next((r for r in h.rounds if r.at >= after), None)


def _play(h: History, team: TeamInfo, created: datetime, *, coach: CoachInfo | None = None,
          exclude: tuple[CoachInfo, ...] = (), pending_by: str | None = None,
          spec: data.ProjectSpec | None = None, keep_active: bool = False,
          skills: dict[str, int] | None = None) -> SupportRequest:
    """A historical request from filing to where it is today."""
    req = _new_request(h, team, created, spec=spec, skills=skills,
                       hours=8 if pending_by else None,
                       mode=Mode.VIRTUAL if coach or pending_by else None)
    fate = 1.0 if coach or pending_by else h.rng.random()
    if fate < 0.03:
        _status(req, S.WITHDRAWN, h.member(team, created), created + h.days(5, 25),
                h.rng.choice(data.WITHDRAW_REASONS))
        return _done(h, req)
    if fate < 0.06:
        _status(req, S.CANCELLED, h.lead(), created + h.days(1, 6),
                "Duplicate of another request from the same team")
        return _done(h, req)
    plan = _next_round(h, created + timedelta(days=2))
    by_hand = plan is None or h.rng.random() < 0.3
    at = created + h.days(2, 9) if by_hand else plan.row.published_at  # type: ignore[union-attr]
    actor = h.lead() if by_hand else plan.row.created_by  # type: ignore[union-attr]
    chosen = coach or _choose_coach(h, req, team, at, exclude)
    if chosen is None and pending_by:  # the demo login's story needs a coach: any will do
        chosen = next(c for c in h.w.coaches if c.approved and c.org is not team.org
                      and c not in exclude and c.person not in team.members)
    if chosen is None and at + timedelta(days=20) < h.now:
        if plan is not None and not by_hand:  # a system lead finds someone by hand later
            plan.unmatched.append((req, "all of its feasible coaches were needed for other "
                                        "requests (at their team limit)"))
        by_hand, at, actor = True, at + h.days(8, 18), h.lead()
        chosen = _choose_coach(h, req, team, at, exclude)
    if chosen is not None and not by_hand and plan is not None and not _covers(chosen, req):
        # The round could not serve it; a system lead matched a near fit by hand.
        plan.unmatched.append((req, _skills_reason(req, team)))
        by_hand, actor = True, h.lead()
    if chosen is None:
        if plan is not None and not by_hand:
            plan.unmatched.append((req, "no feasible coach"))
        gave_up = at + h.days(7, 20)
        if gave_up < h.now:
            _status(req, S.WITHDRAWN, h.member(team, created), gave_up,
                    "No coach was available; we will ask again next quarter.")
        return _done(h, req)
    match = _propose(h, req, team, chosen, at, None if by_hand else plan, actor)
    load = _bind(h, chosen, match, req, at)
    if not coach and not by_hand and h.rng.random() < 0.08:  # the first coach says no
        declined_at = at + h.days(1, 3)
        _decline(h, req, match, chosen, declined_at)
        load.end = declined_at
        retry = _choose_coach(h, req, team, declined_at, (chosen,))
        if retry is None:
            return _done(h, req)
        chosen, at = retry, declined_at + h.days(1, 4)
        match = _propose(h, req, team, chosen, at, None, h.lead())
        load = _bind(h, chosen, match, req, at)
    accepted = at + h.days(0.3, 4)
    _accept(req, match, chosen, accepted)
    withdraw = not (coach or pending_by or keep_active) and h.rng.random() < 0.05
    last, finished = _sessions(h, req, match, team, chosen, accepted,
                               max_held=h.rng.randint(1, 2) if withdraw else None,
                               pending_by=pending_by)
    end = load.end
    if withdraw:
        when = last + h.days(7, 25)
        if when < h.now:
            _status(req, S.WITHDRAWN, h.member(team, created), when,
                    h.rng.choice(data.WITHDRAW_REASONS))
            end = when
    elif finished and not keep_active and not pending_by:
        answered = [h.session_log[k][1] for k, t in h.session_team.items() if t is team]
        latest = max([o.at for o in answered if o is not None] or [last])
        when = max(last + h.days(5, 20), latest + h.days(1, 3))
        if when < h.now - timedelta(hours=1) and h.rng.random() < 0.9:
            _status(req, S.CLOSED, h.member(team, created), when,
                    "Aim met; the team carries on testing changes on its own.")
            end = when
    load.end = end
    return _done(h, req)


def _done(h: History, req: SupportRequest) -> SupportRequest:
    _finish_project(h, req)
    return req


# ---------------------------------------------------------------------------- the rounds


def _current_round(h: History, featured_coach: CoachInfo) -> list[SupportRequest]:
    """The round published four days ago: some proposals accepted, some awaiting an answer,
    one declined (that request is open again)."""
    w, plan = h.w, h.current
    teams = [t for t in w.teams if t is not w.featured["team"]]
    outside = [t for t in teams if t.org is not featured_coach.org]
    first = h.rng.choice(outside)  # the proposal the demo coach is asked to answer
    rest = [t for t in teams if t is not first]
    chosen = [first, *h.rng.sample(rest, min(len(rest), w.n(14, minimum=4) - 1))]
    reopened: list[SupportRequest] = []
    declined = False
    for i, team in enumerate(chosen):
        created = w.days_ago(h.rng.uniform(6, 20))
        forced = i == 0
        req = _new_request(h, team, created, mode=Mode.VIRTUAL if forced else None,
                           skills={"pdsa": 1, "measurement": 1} if forced else None)
        c = featured_coach if forced else _choose_coach(h, req, team, plan.row.published_at)
        if c is None or not _covers(c, req):
            plan.unmatched.append((req, _skills_reason(req, team)))
            reopened.append(req)
            _done(h, req)
            continue
        match = _propose(h, req, team, c, plan.row.published_at, plan, plan.row.created_by)
        load = _bind(h, c, match, req, plan.row.published_at)
        _tell_proposed(h, match, c, team, req, plan.row.published_at)
        # The demo coach's proposal waits for an answer; the first other one was declined.
        roll = 1.0 if forced else 0.55 if not declined else h.rng.random()
        if roll < 0.5:
            accepted = plan.row.published_at + h.days(0.3, 3)
            _accept(req, match, c, accepted)
            for p in team.members:
                h.tell(p, accepted, "Your coach accepted",
                       f"{c.person.name} ({c.org.name}) accepted your request "
                       f"\"{req.project.title}\". They will be in touch to arrange a first "
                       "session.")
            _sessions(h, req, match, team, c, accepted)
        elif roll < 0.6 and not declined:
            declined = True
            load.end = plan.row.published_at + h.days(0.5, 2)
            _decline(h, req, match, c, load.end)
            reopened.append(req)
            for lead in w.leads:
                h.tell(lead, load.end, "A coach declined a proposal",
                       f"{c.person.name} declined the proposal to coach {team.team.name} "
                       f"({team.org.name}) on \"{req.project.title}\".\nThe request is open "
                       "again; you can match it in the next round or by hand.")
        _done(h, req)
    return reopened


def _tell_proposed(h: History, match: Match, c: CoachInfo, team: TeamInfo,
                   req: SupportRequest, at: datetime) -> None:
    why = "; ".join(match.reasons)
    h.tell(c.person, at, f"Match proposed: {team.team.name} ({team.org.name})",
           f"You have been proposed as coach for {team.team.name} at {team.org.name}, on "
           f"\"{req.project.title}\" ({req.hours} hours).\n\nWhy you: {why}.\n\n"
           "Please accept or decline it on your coaching page.")
    for p in team.members:
        h.tell(p, at, f"Match published: {c.person.name} for \"{req.project.title}\"",
               f"{c.person.name} ({c.org.name}) has been proposed as the coach for your "
               f"team's request \"{req.project.title}\". They will accept or decline it soon; "
               "you will hear when they do.")


def _open_requests(h: History, reopened: list[SupportRequest]) -> None:
    """The next round's input: about 40 open requests, a few that cannot be served."""
    w = h.w
    featured = w.featured["team"]
    spec = next(p for p in data.PROJECTS["practice"] if p.skills == {"pdsa": 1,
                                                                    "measurement": 1})
    _new_request(h, featured, w.days_ago(3), spec=spec, hours=6, mode=Mode.VIRTUAL,
                 priority=3, skills=dict(spec.skills), by=w.featured["team_person"],
                 slots=["tue-am", "wed-pm", "thu-am", "thu-pm"])
    trusts = [t for t in w.teams if t.org.kind is OrgKind.ACUTE_TRUST]
    practices = [t for t in w.teams if t.org.kind is OrgKind.GP_PRACTICE]
    remote = next(t for t in w.teams if w.town[id(t.org)] == data.REMOTE_TOWN)
    falls = next(p for p in data.PROJECTS["acute"] if "falls" in p.title)
    access = next(p for p in data.PROJECTS["practice"] if "8am" in p.title)
    hard = [
        _new_request(h, h.rng.choice(trusts), w.days_ago(h.rng.uniform(8, 15)), spec=falls,
                     skills={"human-factors": 3, "pdsa": 1}, mode=Mode.VIRTUAL, priority=4),
        _new_request(h, h.rng.choice([t for t in practices if t is not featured]),
                     w.days_ago(h.rng.uniform(8, 15)), spec=access,
                     skills={"demand-capacity": 3}, mode=Mode.VIRTUAL, priority=3),
        _new_request(h, remote, w.days_ago(h.rng.uniform(8, 15)), mode=Mode.IN_PERSON,
                     skills={"pdsa": 1}, priority=2),
    ]
    reasons = [
        f"no coach outside {hard[0].team.organisation.slug} has human-factors at level 3",
        f"no coach outside {hard[1].team.organisation.slug} has demand-capacity at level 3",
        "no in-person coach within travel distance",
    ]
    for req, why in zip(hard, reasons, strict=True):
        h.current.unmatched.append((req, why))
    remaining = w.n(40, minimum=8) - len(hard) - 1 - len(reopened)
    for _ in range(max(0, remaining)):
        team = h.rng.choice(w.teams)
        created = w.days_ago(h.rng.uniform(0.2, 20))
        spec = _project_spec(h, team)
        skills = _plain_skills(h, spec, 0.25)
        req = _new_request(h, team, created, spec=spec, skills=skills,
                           hours=h.rng.choice((2, 3, 4, 4, 4, 6)),
                           mode=h.rng.choices((Mode.VIRTUAL, Mode.EITHER, Mode.IN_PERSON),
                                              (55, 35, 10))[0])
        if created < h.current.at:
            h.current.unmatched.append(
                (req, "all of its feasible coaches were needed for other requests"))
    for req in h.requests:
        if req.status is S.OPEN:
            _finish_project(h, req)


def _plain_skills(h: History, spec: data.ProjectSpec, special_share: float) -> dict[str, int]:
    """What a busy clinician asks for: the core methods of the project, and now and then one
    specialist method, rarely above level 2."""
    core = {slug for slug, _share in data.CORE_SKILLS}
    skills = {s: min(lv, 2) for s, lv in spec.skills.items() if s in core}
    special = [s for s in spec.skills if s not in core]
    if special and (not skills or h.rng.random() < special_share):
        skills[special[0]] = 1
    return skills or {"pdsa": 1}


def _fill_rounds(h: History) -> None:
    """Request ids and a result in the matcher's own format, once requests have ids."""
    for plan in [*h.rounds, h.current]:
        assigned = [(r, m) for r, m in plan.assigned]
        ids = sorted({r.id for r, _ in assigned} | {r.id for r, _ in plan.unmatched})
        coverage = sum(r.priority for r, _ in assigned)
        plan.row.request_ids = ids
        plan.row.result = {
            "status": "optimal", "coverage": coverage, "coverage_bound": coverage,
            "fit": int(sum(m.score for _, m in assigned)),
            "assignments": [{"request": f"r{r.id}", "coach": f"c{m.coach.id}",
                             "score": int(m.score), "reasons": list(m.reasons)}
                            for r, m in assigned],
            "unmatched": [{"request": f"r{r.id}", "reason": why} for r, why in plan.unmatched],
            "stats": {"demo": True},
        }
        total = len(assigned) + len(plan.unmatched)
        plan.row.message = (f"{len(assigned)} of {total} requests matched; coverage {coverage} "
                            f"(best possible at most {coverage})")


# ---------------------------------------------------------------------------- training


def _training(h: History) -> None:
    w = h.w
    teachers = [c for c in w.coaches if c.approved]
    icb = w.partners["icb"]
    practice_people = [p for p in w.people if p.organisation.kind is OrgKind.GP_PRACTICE]
    n_events = w.n(20, minimum=3)
    for i in range(n_events + 2):
        future = i >= n_events
        starts = (w.now + h.days(5, 30)) if future else w.days_ago(h.rng.uniform(3, 175))
        starts = _slot_time(h, starts, ["tue-am", "wed-pm", "thu-am", "thu-pm", "fri-am"])
        able = [c for c in teachers if c.lead_since < starts] or teachers
        # The featured coach's story includes a training event they ran.
        c = w.featured["coach"] if i == 0 else h.rng.choice(able)
        topics = [(t, s) for t, s in data.TRAINING if s in c.skills] or [data.TRAINING[5]]
        title, slug = h.rng.choice(topics)
        minutes = h.rng.choice((90, 120, 120, 180, 240))
        roll = h.rng.random()
        if roll < 0.35 and c.org is not icb:
            host, pool = icb, practice_people  # the ICB runs primary-care training
        elif roll < 0.8:
            host = c.org
            pool = [p for p in w.people if p.organisation is host]
        else:
            host = h.rng.choice([w.partners[k] for k in ("northgate", "southvale", "community",
                                                         "mentalhealth", "county")])
            pool = [p for p in w.people if p.organisation is host]
        if h.org_spent.get(id(host), 0) + minutes > -w.floor - 300:
            host, pool = c.org, [p for p in w.people if p.organisation is c.org]
            if h.org_spent.get(id(host), 0) + minutes > -w.floor - 300:
                continue
        event = TrainingEvent(coach=c.person, host_organisation=host, skill=w.skills[slug],
                              title=title, starts_at=starts, minutes=minutes,
                              created_at=starts - h.days(10, 40))
        db.session.add(event)
        if future:
            continue
        h.org_spent[id(host)] = h.org_spent.get(id(host), 0) + minutes
        learners = [p for p in pool if p is not c.person and p.created_at < starts
                    and w.tier_at(p, starts) is Tier.LEARN]
        for p in h.rng.sample(learners, min(len(learners), h.rng.randint(6, 16))):
            attended = h.rng.random() < 0.9
            event.attendance.append(TrainingAttendance(person=p, attended=attended))
            moved = starts + h.days(21, 120)
            if attended and moved < w.days_ago(1) and p.tier is Tier.LEARN \
                    and h.rng.random() < 0.2:
                w.move(p, moved, Tier.LIVE)  # the training helped them start a project
        h.op(starts + timedelta(minutes=minutes) + h.days(0.1, 3), "training",
             actor=c.person, event=event, minutes=minutes)


# ---------------------------------------------------------------------------- gifts, mistakes


def _gifts_and_mistakes(h: History) -> None:
    w = h.w
    earned: dict[int, list[tuple[datetime, int]]] = {}
    for o in h.ops:
        if o.kind == "confirm" and o.session is not None:
            c = o.session.match.coach
            earned.setdefault(id(c), []).append((o.at, o.session.minutes))
    givers = sorted((c for c in w.coaches if id(c.person) in earned),
                    key=lambda c: -sum(m for _a, m in earned[id(c.person)]))
    needy = sorted((t for t in w.teams if t.org.kind is OrgKind.GP_PRACTICE),
                   key=lambda t: -t.used_minutes)
    for giver, team in list(zip(givers, needy, strict=False))[:w.n(5, minimum=2)]:
        at = w.days_ago(h.rng.uniform(5, 60))
        before = sum(m for a, m in earned[id(giver.person)] if a < at)
        minutes = h.rng.choice((60, 90, 120, 180))
        if before < minutes + 60:
            continue
        h.op(at, "donate", actor=giver.person, team=team, minutes=minutes,
             memo=f"Gift to {team.team.name}: keep going with your QI project")
    # One session logged twice by mistake, confirmed, then reversed by a system lead.
    candidates = [(k, log, reply) for k, (log, reply) in h.session_log.items()
                  if reply is not None and log.actor is log.session.match.coach  # type: ignore
                  and reply.at < w.days_ago(20)]
    if not candidates:
        return
    _k, log, reply = candidates[len(candidates) // 2]
    original = log.session
    assert original is not None
    team = h.session_team[id(original)]
    dup = CoachingSession(match=original.match, starts_at=original.starts_at,
                          minutes=original.minutes, mode=original.mode,
                          status=SessionStatus.SCHEDULED, notes=original.notes,
                          created_at=log.at)
    db.session.add(dup)
    h.op(log.at + timedelta(minutes=7), "log", actor=log.actor, session=dup)
    confirm = h.op(reply.at + timedelta(minutes=4), "confirm", actor=reply.actor, session=dup)
    team.used_minutes += original.minutes
    h.op(reply.at + h.days(2, 9), "reverse", actor=h.lead(), ref=confirm,
         memo="Duplicate: this session was logged twice by mistake.")
    # A couple of logged sessions the other party declined (they did not happen as logged).
    answered = [(log, reply) for log, reply in h.session_log.values()
                if reply is not None and reply.kind == "confirm" and log.session is not original]
    for log, reply in h.rng.sample(answered, min(len(answered), 2)):
        reply.kind = "decline"
        assert log.session is not None
        log.session.feedback_rating = None
        log.session.feedback_comment = None


# ---------------------------------------------------------------------------- the whole history


def build(w: World) -> None:
    h = History(w)
    w.history = h
    featured_coach = w.featured["coach"]
    featured_team = w.featured["team"]
    # The two stories the demo logins walk through.
    others = [t for t in w.teams if t.org is not featured_coach.org and t is not featured_team]
    _play(h, featured_team, w.days_ago(75), exclude=(featured_coach,), pending_by="coach",
          spec=next(p for p in data.PROJECTS["practice"] if "letters" in p.title),
          skills={"pdsa": 1, "process-mapping": 1})
    _play(h, h.rng.choice(others), w.days_ago(62), coach=featured_coach, pending_by="team")
    n_history = w.n(150, minimum=12) - 2
    starts = sorted(w.days_ago(h.rng.uniform(24, 200)) for _ in range(n_history))
    for created in starts:
        weights = [0.5 if t.requests >= 2 else 1.3 if t.org.kind is OrgKind.GP_PRACTICE
                   else 1.0 for t in w.teams]
        team = h.rng.choices(w.teams, weights)[0]
        _play(h, team, created)
    reopened = _current_round(h, featured_coach)
    _open_requests(h, reopened)
    _training(h)
    _gifts_and_mistakes(h)
    _pending_reminders(h)
    db.session.flush()
    _fill_rounds(h)
    db.session.add_all(h.messages)
    db.session.flush()


def _pending_reminders(h: History) -> None:
    """Outbox: the other party is asked to confirm each session still pending."""
    for log, reply in h.session_log.values():
        if reply is not None or log.session is None:
            continue
        team = h.session_team[id(log.session)]
        coach = log.session.match.coach
        to = team.members if log.actor is coach else [coach]
        for person in to:
            h.tell(person, log.at, "Please confirm a coaching session",
                   f"{log.actor.name if log.actor else 'Someone'} logged "  # type: ignore
                   f"{log.session.minutes} minutes for the session on "
                   f"{format_date(log.session.starts_at)}. Please confirm or decline the hours on "
                   "your HexQI page.")


def post_hours(w: World) -> None:
    """Make every planned ledger call, oldest first (each call commits)."""
    from hexqi.services import ledger

    h: History = w.history
    # Nobody else writes while the demo builds, and the ledger re-reads (and locks) every row
    # it decides on, so the rows already loaded need not be reloaded after each commit.
    session = db.session()
    session.expire_on_commit = False
    try:
        with _quick_commits():
            _post_all(h, ledger)
    finally:
        session.expire_on_commit = True
        session.expire_all()
    w.stats["ledger_calls"] = len(h.ops)
    w.stats["ledger_refused"] = h.skipped


@contextmanager
def _quick_commits() -> Iterator[None]:
    """While the demo posts its ~1,000 back-dated ledger calls (each its own transaction),
    commits do not wait for the disk: SQLite ``synchronous=OFF``, PostgreSQL
    ``synchronous_commit=off``. A crash meanwhile loses only demo data (``--reset``
    rebuilds it); the pooled connections are closed afterwards so nothing else runs so."""
    engine = db.engine
    statement = {"sqlite": "PRAGMA synchronous = OFF",
                 "postgresql": "SET synchronous_commit = off"}.get(engine.dialect.name)
    if statement is None:
        yield
        return

    def quick(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()

    # The caller has just committed, so the session holds no connection: the next checkout
    # (the first ledger call) runs ``quick``.
    sa.event.listen(engine, "checkout", quick)
    try:
        yield
    finally:
        sa.event.remove(engine, "checkout", quick)
        db.session.commit()  # every ledger call committed; this only hands back the connection
        engine.dispose()  # so no pooled connection keeps the setting


def _post_all(h: History, ledger: Any) -> None:
    pending: dict[int, int] = {}
    for o in sorted(h.ops, key=lambda o: (o.at, o.seq)):
        try:
            if o.kind == "log":
                pending[id(o.session)] = ledger.log_session(o.session, o.actor, at=o.at).id
            elif o.kind in ("confirm", "decline") and id(o.session) in pending:
                if o.kind == "confirm":
                    o.transfer_id = ledger.confirm_pending(pending[id(o.session)], o.actor,
                                                           at=o.at).id
                else:
                    ledger.decline_pending(pending[id(o.session)], o.actor, at=o.at)
            elif o.kind == "training":
                ledger.record_training(o.event, o.actor, at=o.at)
            elif o.kind == "donate":
                ledger.donate(o.actor, o.team.team, o.minutes, o.actor, at=o.at, memo=o.memo,
                              idempotency_key=f"demo-gift:{o.seq}")
            elif o.kind == "reverse" and o.ref is not None and o.ref.transfer_id:
                ledger.reverse(o.ref.transfer_id, o.actor, o.memo, at=o.at)
        except ledger.FloorExceeded:
            h.skipped += 1  # the floor said no, as it would for a real user
