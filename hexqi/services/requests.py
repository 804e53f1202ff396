"""Support requests: filing one, moving it through its statuses, withdrawing it, and
what a team sees about its requests, sessions, project outcome and balance.

Statuses move ``open -> matched -> active -> closed``; a match a coach declines sends a
request back from ``matched`` to ``open``; any of ``open``, ``matched`` and ``active`` may
end as ``cancelled`` (a system lead) or ``withdrawn`` (the team). Every change is written
to ``request_events``, the request's audit trail.

Public functions commit, or roll back and re-raise, except ``set_status(..., commit=False)``
which another service uses inside its own transaction.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import aliased, attributes, contains_eager, joinedload, selectinload

from hexqi.extensions import db
from hexqi.models import (
    Account,
    CoachingSession,
    Match,
    MatchStatus,
    Mode,
    Organisation,
    PendingStatus,
    PendingTransfer,
    Person,
    Project,
    RequestEvent,
    RequestSkill,
    RequestSlot,
    RequestStatus,
    Role,
    SessionStatus,
    Skill,
    SupportRequest,
    System,
    Team,
    TeamMember,
    Transfer,
    TransferKind,
    utcnow,
)
from hexqi.models.common import SLOTS
from hexqi.models.requests import ProjectStage
from hexqi.services import ledger
from hexqi.services.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from hexqi.services.notify import notify
from hexqi.timefmt import local_today

T = TypeVar("T")

MAX_HOURS = 40
TITLE_MAX = 200
AIM_MAX = 2000
LOCATION_MAX = 120
NOTE_MAX = 500
COMMENT_MAX = 1000

S = RequestStatus
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.OPEN: frozenset({S.MATCHED, S.CANCELLED, S.WITHDRAWN}),
    S.MATCHED: frozenset({S.ACTIVE, S.OPEN, S.CANCELLED, S.WITHDRAWN}),
    S.ACTIVE: frozenset({S.CLOSED, S.CANCELLED, S.WITHDRAWN}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
FINISHED = frozenset({S.CLOSED, S.CANCELLED, S.WITHDRAWN})


def _transaction(work: Callable[[], T]) -> T:
    """Run ``work`` and commit, or roll back and re-raise: a failed action changes nothing."""
    try:
        result = work()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


# --- who may see and act for a team -------------------------------------------------------

def is_member(person: Person, team_id: int) -> bool:
    return (db.session.scalar(
        sa.select(sa.func.count()).select_from(TeamMember)
        .where(TeamMember.team_id == team_id, TeamMember.person_id == person.id)
    ) or 0) > 0


def can_see_team(person: Person, team: Team, member: bool | None = None) -> bool:
    """Members, organisation admins of the team's organisation, system leads of its system.
    ``member`` says whether ``person`` belongs to the team, when the caller knows already."""
    if is_member(person, team.id) if member is None else member:
        return True
    if person.has_role(Role.ORG_ADMIN) and person.organisation_id == team.organisation_id:
        return True
    return (person.has_role(Role.SYSTEM_LEAD)
            and person.organisation.system_id == team.organisation.system_id)


def visible_team(person: Person, team_id: int | None, member: bool | None = None) -> Team:
    """The team, or NotFound when it does not exist or ``person`` may not see it."""
    team = (db.session.get(Team, team_id, options=[joinedload(Team.organisation)])
            if team_id is not None else None)
    if team is None or not can_see_team(person, team, member):
        raise NotFound("No such team.")
    return team


def teams_of(person: Person) -> list[Team]:
    """The teams ``person`` belongs to, by name (for the team switcher)."""
    return list(db.session.scalars(
        sa.select(Team).join(TeamMember).where(TeamMember.person_id == person.id)
        .options(joinedload(Team.organisation, innerjoin=True)).order_by(Team.name, Team.id)
    ))


def visible_request(person: Person, request_id: int) -> SupportRequest:
    req = db.session.get(SupportRequest, request_id)
    if req is None or not can_see_team(person, req.team):
        raise NotFound("No such request.")
    return req


def _require_member(person: Person, team_id: int, doing: str) -> None:
    if not is_member(person, team_id):
        raise Forbidden(f"Only members of the team can {doing}.")


# --- filing a request ----------------------------------------------------------------------

def _text(value: str | None, field_name: str, missing: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(missing, field=field_name)
    if len(text) > limit:
        raise InvalidInput(f"Keep this under {limit} characters.", field=field_name)
    return text


def _whole(value: Any, field_name: str, low: int, high: int, message: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput(message, field=field_name)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(message, field=field_name) from None
    if number != value and str(number) != str(value).strip():
        raise InvalidInput(message, field=field_name)
    if not low <= number <= high:
        raise InvalidInput(message, field=field_name)
    return number


def _coordinate(value: Any, field_name: str, limit: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput("Enter a number, e.g. 51.5.", field=field_name) from None
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise InvalidInput(f"Enter a number between -{limit:g} and {limit:g}.", field=field_name)
    return number


def _skills(chosen: dict[str, Any]) -> list[tuple[Skill, int]]:
    if not chosen:
        raise InvalidInput("Choose at least one method.", field="skills")
    found = {s.slug: s for s in db.session.scalars(sa.select(Skill).where(
        Skill.slug.in_(list(chosen))))}
    unknown = sorted(set(chosen) - set(found))
    if unknown:
        raise InvalidInput(f"Unknown method: {', '.join(unknown)}.", field="skills")
    return [(found[slug], _whole(level, "skills", 1, 3, "Choose a level from 1 to 3."))
            for slug, level in chosen.items()]


def _slots(slots: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(slots or ()))
    if not chosen:
        raise InvalidInput("Pick at least one half-day.", field="slots")
    bad = [s for s in chosen if s not in SLOTS]
    if bad:
        raise InvalidInput(f"Unknown half-day: {', '.join(bad)}.", field="slots")
    return sorted(chosen, key=SLOTS.index)


def _enum(enum_cls: Any, value: Any, field_name: str, message: str) -> Any:
    try:
        return enum_cls(value)
    except ValueError:
        raise InvalidInput(message, field=field_name) from None


def team_projects(teams: Iterable[Team]) -> list[Project]:
    """The QI projects of these teams, newest first (a new request may continue one)."""
    ids = [t.id for t in teams]
    return list(db.session.scalars(
        sa.select(Project).where(Project.team_id.in_(ids))
        .order_by(Project.created_at.desc(), Project.id.desc())))


def create_request(team_id: int, actor: Person, project_title: str, aim: str, stage: str,
                   skills: dict[str, int], hours: int, slots: Iterable[str], mode: str,
                   location: str = "", latitude: float | None = None,
                   longitude: float | None = None, priority: int = 1,
                   project_id: int | None = None) -> SupportRequest:
    """File a support request for a team ``actor`` belongs to: for one of the team's QI
    projects (``project_id``), or for a new project described by title, aim and stage."""
    team = visible_team(actor, team_id)
    _require_member(actor, team.id, "ask for support for this team")
    existing: Project | None = None
    if project_id:
        existing = db.session.get(Project, project_id)
        if existing is None or existing.team_id != team.id:
            raise InvalidInput("Choose one of this team's projects, or a new project.",
                               field="project_id")
    else:
        title = _text(project_title, "project_title", "Give your project a short title.",
                      TITLE_MAX)
        aim_text = _text(aim, "aim", "Say in a sentence what you are trying to improve.",
                         AIM_MAX)
        stage_value = _enum(ProjectStage, stage, "stage", "Choose where your project is.")
    wanted = _skills(skills)
    hours_value = _whole(hours, "hours", 1, MAX_HOURS,
                         f"Choose between 1 and {MAX_HOURS} hours.")
    slot_list = _slots(slots)
    mode_value = _enum(Mode, mode, "mode", "Choose virtual, in person or either.")
    place = (location or "").strip()
    if mode_value is Mode.IN_PERSON and not place:
        raise InvalidInput("In person needs a location.", field="location")
    if len(place) > LOCATION_MAX:
        raise InvalidInput(f"Keep this under {LOCATION_MAX} characters.", field="location")
    lat = _coordinate(latitude, "latitude", 90)
    lon = _coordinate(longitude, "longitude", 180)
    if (lat is None) != (lon is None):
        raise InvalidInput("Give both latitude and longitude, or neither.",
                           field="longitude" if lon is None else "latitude")
    urgency = _whole(priority, "priority", 1, 5, "Choose how urgent this is.")

    def work() -> SupportRequest:
        project = existing or Project(team=team, title=title, aim=aim_text, stage=stage_value)
        req = SupportRequest(team=team, project=project, hours=hours_value, mode=mode_value,
                             location=place, latitude=lat, longitude=lon, priority=urgency,
                             created_by=actor, status=S.OPEN)
        req.skills = [RequestSkill(skill=s, min_level=level) for s, level in wanted]
        req.slots = [RequestSlot(slot=s) for s in slot_list]
        req.events.append(RequestEvent(actor=actor, from_status=None, to_status=S.OPEN,
                                       note="Request filed"))
        db.session.add(req)
        db.session.flush()
        return req

    return _transaction(work)


# --- status changes ------------------------------------------------------------------------

def allowed_next(status: RequestStatus) -> frozenset[RequestStatus]:
    return TRANSITIONS[RequestStatus(status)]


def _check_who(req: SupportRequest, to: RequestStatus, actor: Person | None) -> None:
    lead = actor is not None and actor.has_role(Role.SYSTEM_LEAD) and (
        actor.organisation.system_id == req.team.organisation.system_id)
    if to is S.CANCELLED and not lead:
        raise Forbidden("Only a system lead can cancel a request.")
    if to is S.WITHDRAWN and (actor is None or not is_member(actor, req.team_id)):
        raise Forbidden("Only a member of the team can withdraw its request.")


def set_status(request: SupportRequest | int, to_status: RequestStatus | str,
               actor: Person | None, note: str = "", *, commit: bool = True) -> None:
    """Move a request to ``to_status`` if the transition is allowed, recording who and when.

    Raises Conflict for a transition the lifecycle does not allow (or when another change
    got there first), Forbidden when ``actor`` may not make it. With ``commit=False`` the
    change is only flushed, for a caller that commits its own transaction.
    """
    req = request if isinstance(request, SupportRequest) else db.session.get(
        SupportRequest, request)
    if req is None:
        raise NotFound("No such request.")
    to = _enum(RequestStatus, to_status, "status", "Unknown status.")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"Keep this under {NOTE_MAX} characters.", field="note")
    current = req.status
    if to not in TRANSITIONS[current]:
        raise Conflict(f"A {current.value} request cannot become {to.value}.")
    _check_who(req, to, actor)

    def work() -> None:
        now = utcnow()
        # Conditional update: if someone changed the status meanwhile, nothing happens.
        changed = db.session.execute(
            sa.update(SupportRequest)
            .where(SupportRequest.id == req.id, SupportRequest.status == current)
            .values(status=to, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if changed != 1:
            raise Conflict("This request changed meanwhile; reload the page and try again.")
        attributes.set_committed_value(req, "status", to)
        attributes.set_committed_value(req, "updated_at", now)
        db.session.add(RequestEvent(request_id=req.id, actor_id=actor.id if actor else None,
                                    from_status=current, to_status=to, note=note, at=now))
        db.session.flush()

    if not commit:
        work()
        return
    _transaction(work)


def withdraw_request(request_id: int, actor: Person, reason: str) -> SupportRequest:
    """The team withdraws its request; not once it is closed, cancelled or withdrawn."""
    req = visible_request(actor, request_id)
    _require_member(actor, req.team_id, "withdraw this request")
    if req.status in FINISHED:
        raise Conflict(f"This request is already {req.status.value}; it cannot be withdrawn.")
    text = _text(reason, "reason", "Say briefly why you are withdrawing.", NOTE_MAX)
    match = current_match(req.id)

    def work() -> SupportRequest:
        set_status(req, S.WITHDRAWN, actor, note=text, commit=False)
        if match is not None:
            notify(match.coach, "A team withdrew its request",
                   f"{req.team.name} ({req.team.organisation.name}) withdrew its request "
                   f"for \"{req.project.title}\". Their reason: {text}")
        return req

    return _transaction(work)


# --- what a team sees -------------------------------------------------------------------

def requests_page(team_id: int, page: int = 1, per_page: int = 25) -> Any:
    """The team's requests, newest first, paginated, each with its project (two queries:
    the page and the count)."""
    query = (sa.select(SupportRequest).where(SupportRequest.team_id == team_id)
             .options(joinedload(SupportRequest.project, innerjoin=True))
             .order_by(SupportRequest.created_at.desc(), SupportRequest.id.desc()))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def _team_member_ids(team_id: int) -> sa.Select[Any]:
    return sa.select(TeamMember.person_id).where(TeamMember.team_id == team_id)


def sessions_to_confirm(team_id: int) -> list[tuple[CoachingSession, PendingTransfer]]:
    """Held sessions of the team's requests logged by someone outside the team (the coach),
    whose hours wait for the team to confirm; with each session's coach and project, in
    one query."""
    to_match = contains_eager(CoachingSession.match)
    rows = db.session.execute(
        sa.select(CoachingSession, PendingTransfer)
        .join(PendingTransfer, PendingTransfer.session_id == CoachingSession.id)
        .join(Match, Match.id == CoachingSession.match_id)
        .join(SupportRequest, SupportRequest.id == Match.request_id)
        .where(SupportRequest.team_id == team_id,
               PendingTransfer.status == PendingStatus.PENDING,
               PendingTransfer.logged_by_id.not_in(_team_member_ids(team_id)))
        .options(to_match.joinedload(Match.coach, innerjoin=True).lazyload(Person.role_rows),
                 to_match.contains_eager(Match.request)
                 .joinedload(SupportRequest.project, innerjoin=True))
        .order_by(CoachingSession.starts_at)
    ).all()
    return [(s, p) for s, p in rows]


@dataclass
class TeamBalance:
    received_minutes: int = 0   # session hours the team received (net of reversals)
    given_minutes: int = 0      # session and training hours its members gave (net)
    balance_minutes: int = 0    # posted balance of the team account
    pending_minutes: int = 0    # debits logged but not yet confirmed
    floor_minutes: int = 0      # the system's credit floor
    members: int = 0

    @property
    def available_minutes(self) -> int:
        return self.balance_minutes - self.pending_minutes

    @property
    def above_floor_minutes(self) -> int:
        return self.available_minutes - self.floor_minutes


def _net(kinds: tuple[TransferKind, ...], side: str, accounts: sa.Select[Any]) -> Any:
    """Minutes moved by transfers of ``kinds`` on ``side`` ('debit'/'credit') of
    ``accounts``, less the reversals of those transfers (an SQL expression)."""
    column = Transfer.debit_account_id if side == "debit" else Transfer.credit_account_id
    where = (Transfer.kind.in_(kinds), column.in_(accounts))
    reversal = aliased(Transfer)
    moved = sa.select(sa.func.coalesce(sa.func.sum(Transfer.minutes), 0)).where(*where)
    undone = (sa.select(sa.func.coalesce(sa.func.sum(reversal.minutes), 0))
              .where(reversal.kind == TransferKind.REVERSAL,
                     reversal.reverses_id.in_(sa.select(Transfer.id).where(*where))))
    return moved.scalar_subquery() - undone.scalar_subquery()


def team_balance(team: Team) -> TeamBalance:
    """Hours received, hours the team's own members have given, the balance and its headroom
    above the credit floor: one query for the team's figures, then the ledger's balance and
    pending debits of its account."""
    account = sa.select(Account.id).where(Account.team_id == team.id)
    members = _team_member_ids(team.id)
    floor = (sa.select(System.credit_floor_minutes)
             .join(Organisation, Organisation.system_id == System.id)
             .where(Organisation.id == team.organisation_id))
    account_id, floor_minutes, member_count, given, received = db.session.execute(sa.select(
        account.scalar_subquery(), floor.scalar_subquery(),
        sa.select(sa.func.count()).select_from(members.subquery()).scalar_subquery(),
        _net((TransferKind.SESSION, TransferKind.TRAINING), "credit",
             sa.select(Account.id).where(Account.person_id.in_(members))),
        _net((TransferKind.SESSION,), "debit", account),
    )).one()
    result = TeamBalance(floor_minutes=int(floor_minutes), members=int(member_count or 0),
                         given_minutes=int(given or 0))
    if account_id is None:
        return result
    result.received_minutes = int(received or 0)
    result.balance_minutes = ledger.balance(account_id)
    result.pending_minutes = ledger.pending_debits(account_id)
    return result


@dataclass
class TeamDashboard:
    team: Team
    teams: list[Team]           # the viewer's own teams, for the switcher
    is_member: bool
    requests: Any               # a page of the team's requests
    to_confirm: list[tuple[CoachingSession, PendingTransfer]]
    balance: TeamBalance


def team_dashboard(person: Person, team_id: int | None, page: int = 1,
                   per_page: int = 25) -> TeamDashboard | None:
    """What the team dashboard shows of ``team_id``, or of the person's first team when it is
    None; None when there is no team to show. NotFound when the team does not exist or
    ``person`` may not see it. A fixed number of queries, whatever the number of requests,
    sessions or members."""
    teams = teams_of(person)
    if team_id is None:
        if not teams:
            return None
        team_id = teams[0].id
    own = next((t for t in teams if t.id == team_id), None)
    team = own if own is not None else visible_team(person, team_id, member=False)
    return TeamDashboard(team=team, teams=teams, is_member=own is not None,
                         requests=requests_page(team.id, page=page, per_page=per_page),
                         to_confirm=sessions_to_confirm(team.id), balance=team_balance(team))


@dataclass
class SessionRow:
    session: CoachingSession
    pending: PendingTransfer | None
    to_confirm: bool = False        # logged by the coach, waiting for the team
    can_give_feedback: bool = False


@dataclass
class RequestDetail:
    request: SupportRequest
    match: Match | None
    coach_organisation: Organisation | None
    sessions: list[SessionRow] = field(default_factory=list)
    is_member: bool = False

    @property
    def can_withdraw(self) -> bool:
        return self.is_member and self.request.status not in FINISHED

    @property
    def can_log_session(self) -> bool:
        return (self.is_member and self.match is not None
                and self.match.status is MatchStatus.ACCEPTED
                and self.request.status is S.ACTIVE)


def current_match(request_id: int) -> Match | None:
    """The coach the team sees: an accepted match, else the newest published proposal."""
    return db.session.scalar(
        sa.select(Match)
        .where(Match.request_id == request_id, Match.published.is_(True),
               Match.status.in_([MatchStatus.ACCEPTED, MatchStatus.PROPOSED]))
        .options(selectinload(Match.coach).selectinload(Person.organisation))
        .order_by((Match.status == MatchStatus.ACCEPTED).desc(), Match.id.desc())
        .limit(1))


def request_detail(request_id: int, viewer: Person) -> RequestDetail:
    """Everything the request status page shows, in a handful of queries."""
    req = db.session.scalar(
        sa.select(SupportRequest).where(SupportRequest.id == request_id)
        .options(selectinload(SupportRequest.project),
                 selectinload(SupportRequest.team).selectinload(Team.organisation),
                 selectinload(SupportRequest.skills).selectinload(RequestSkill.skill),
                 selectinload(SupportRequest.slots),
                 selectinload(SupportRequest.events).selectinload(RequestEvent.actor)))
    if req is None or not can_see_team(viewer, req.team):
        raise NotFound("No such request.")
    member = is_member(viewer, req.team_id)
    match = current_match(req.id)
    team_people = set(db.session.scalars(_team_member_ids(req.team_id)))
    rows = db.session.execute(
        sa.select(CoachingSession, PendingTransfer)
        .join(Match, Match.id == CoachingSession.match_id)
        .outerjoin(PendingTransfer, PendingTransfer.session_id == CoachingSession.id)
        .where(Match.request_id == req.id)
        .options(selectinload(CoachingSession.logged_by))
        .order_by(CoachingSession.starts_at.desc(), CoachingSession.id.desc())).all()
    sessions = [SessionRow(
        session=s, pending=p,
        to_confirm=(member and p is not None and p.status is PendingStatus.PENDING
                    and p.logged_by_id not in team_people),
        can_give_feedback=(member and s.status is SessionStatus.HELD
                           and s.feedback_rating is None),
    ) for s, p in rows]
    return RequestDetail(request=req, match=match,
                         coach_organisation=match.coach.organisation if match else None,
                         sessions=sessions, is_member=member)


# --- feedback and the project's outcome measure ------------------------------------------

def session_for_team(session_id: int, person: Person) -> CoachingSession:
    """A coaching session of a request whose team ``person`` may see, else NotFound."""
    session = db.session.get(CoachingSession, session_id)
    if session is None or not can_see_team(person, session.match.request.team):
        raise NotFound("No such session.")
    return session


def give_feedback(session_id: int, actor: Person, rating: int, comment: str = ""
                  ) -> CoachingSession:
    """A team member rates a held session 1-5 with a short comment; once per session."""
    session = session_for_team(session_id, actor)
    _require_member(actor, session.match.request.team_id, "give feedback on this session")
    if session.status is not SessionStatus.HELD:
        raise Conflict("Feedback can be given once the session has been held.")
    score = _whole(rating, "rating", 1, 5, "Choose a rating from 1 to 5.")
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX:
        raise InvalidInput(f"Keep this under {COMMENT_MAX} characters.", field="comment")

    def work() -> CoachingSession:
        done = db.session.execute(
            sa.update(CoachingSession)
            .where(CoachingSession.id == session.id, CoachingSession.feedback_rating.is_(None))
            .values(feedback_rating=score, feedback_comment=text)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if done != 1:
            raise Conflict("Feedback has already been given for this session.")
        attributes.set_committed_value(session, "feedback_rating", score)
        attributes.set_committed_value(session, "feedback_comment", text)
        return session

    return _transaction(work)


def _measure_number(value: Any, field_name: str) -> float:
    if value is None or value == "":
        raise InvalidInput("Enter a number.", field=field_name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput("Enter a number, e.g. 42 or 3.5.", field=field_name) from None
    if not math.isfinite(number):
        raise InvalidInput("Enter a number, e.g. 42 or 3.5.", field=field_name)
    return number


def update_outcome_measure(project_id: int, actor: Person, name: str, unit: str,
                           baseline: Any, latest: Any, measured_on: date | None,
                           today: date | None = None) -> Project:
    """Record or update the project's one outcome measure (team members only)."""
    project = db.session.get(Project, project_id)
    if project is None or not can_see_team(actor, project.team):
        raise NotFound("No such project.")
    _require_member(actor, project.team_id, "record the project's outcome measure")
    measure = _text(name, "name", "Name what you measure, e.g. 'Days from referral to "
                                  "first appointment'.", 120)
    unit_text = (unit or "").strip()
    if len(unit_text) > 40:
        raise InvalidInput("Keep this under 40 characters.", field="unit")
    base = _measure_number(baseline, "baseline")
    last = _measure_number(latest, "latest")
    if measured_on is None:
        raise InvalidInput("Enter the date of the latest value.", field="measured_on")
    if measured_on > (today or local_today()):
        raise InvalidInput("The date cannot be in the future.", field="measured_on")

    def work() -> Project:
        project.measure_name = measure
        project.measure_unit = unit_text
        project.measure_baseline = base
        project.measure_latest = last
        project.measured_on = measured_on
        db.session.flush()
        return project

    return _transaction(work)


__all__ = [
    "FINISHED", "TRANSITIONS", "DomainError", "RequestDetail", "SessionRow", "TeamBalance",
    "TeamDashboard", "allowed_next", "can_see_team", "create_request", "current_match",
    "give_feedback", "is_member", "request_detail", "requests_page", "session_for_team",
    "sessions_to_confirm", "set_status", "team_balance", "team_dashboard", "teams_of",
    "update_outcome_measure", "visible_request", "visible_team", "withdraw_request",
]
