"""Coaching sessions: scheduling, logging one held, confirming the hours, calendar invites.

The two parties of a session are the match's coach and the members of the request's
team. Either may schedule or log a session; the hours it gives are posted only when
the *other* party confirms them (the ledger keeps them pending until then). Anyone
else gets NotFound, so a session's existence is not leaked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from icalendar import Calendar, Event
from sqlalchemy.orm import joinedload, selectinload

from hexqi.extensions import db
from hexqi.models import (
    CoachingSession,
    Match,
    MatchStatus,
    Mode,
    PendingStatus,
    PendingTransfer,
    Person,
    SessionStatus,
    SupportRequest,
    Team,
    TeamMember,
    Transfer,
    utcnow,
)
from hexqi.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from hexqi.services.notify import notify
from hexqi.timefmt import format_date

COACH = "coach"
TEAM = "team"
# How long a session may be, in minutes: the one rule every form and service call uses.
# 15 at least, so hours typed into a minutes box ("2") are caught.
MIN_MINUTES, MAX_MINUTES = 15, 8 * 60
MINUTES_MESSAGE = f"Enter minutes from {MIN_MINUTES} to {MAX_MINUTES} (8 hours)."
MAX_NOTES = 2000


def _match(match_id: int) -> Match:
    match = db.session.scalar(
        sa.select(Match).where(Match.id == match_id)
        .options(selectinload(Match.coach),
                 selectinload(Match.request).selectinload(SupportRequest.team)
                 .selectinload(Team.members).selectinload(TeamMember.person),
                 selectinload(Match.request).selectinload(SupportRequest.project)))
    if match is None:
        raise NotFound("No such match.")
    return match


def party(match: Match, person: Person) -> str | None:
    """``"coach"`` or ``"team"`` when ``person`` is a party to ``match``, else None."""
    if match.coach_id == person.id:
        return COACH
    if any(m.person_id == person.id for m in match.request.team.members):
        return TEAM
    return None


def _party_match(match_id: int, actor: Person) -> tuple[Match, str]:
    match = _match(match_id)
    side = party(match, actor)
    if side is None or not match.published:
        raise NotFound("No such match.")
    return match, side


def _working_match(match_id: int, actor: Person) -> tuple[Match, str]:
    match, side = _party_match(match_id, actor)
    if match.status is not MatchStatus.ACCEPTED:
        raise Conflict("Sessions can be arranged once the coach has accepted the match.")
    return match, side


def _session(session_id: int, actor: Person) -> tuple[CoachingSession, str]:
    session = db.session.get(CoachingSession, session_id)
    if session is None:
        raise NotFound("No such session.")
    _match_row, side = _party_match(session.match_id, actor)
    return session, side


def pending_for(session_id: int) -> PendingTransfer | None:
    return db.session.scalar(sa.select(PendingTransfer)
                             .where(PendingTransfer.session_id == session_id))


def _check_minutes(minutes: int) -> None:
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise InvalidInput(MINUTES_MESSAGE, field="minutes")


def _other_party(match: Match, side: str) -> list[Person]:
    if side == COACH:
        return [m.person for m in match.request.team.members]
    return [match.coach]


def schedule_session(match_id: int, actor: Person, starts_at: datetime, minutes: int,
                     mode: Mode | str) -> CoachingSession:
    """Put a session in the diary of an accepted match."""
    match, _side = _working_match(match_id, actor)
    _check_minutes(minutes)
    try:
        mode = Mode(mode)
    except ValueError:
        raise InvalidInput("Choose online or in person.", field="mode") from None
    if starts_at < utcnow():
        raise InvalidInput("Choose a date and time still to come.", field="starts_at")
    try:
        session = CoachingSession(match_id=match.id, starts_at=starts_at, minutes=minutes,
                                  mode=mode, status=SessionStatus.SCHEDULED)
        db.session.add(session)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return session


def log_held_session(match_id: int, actor: Person, starts_at: datetime, minutes: int,
                     notes: str = "", session_id: int | None = None,
                     at: datetime | None = None) -> CoachingSession:
    """Record a session that happened; its hours wait for the other party to confirm.

    With ``session_id`` a scheduled session is marked held; otherwise a new one is made.
    """
    from hexqi.services import ledger

    match, side = _working_match(match_id, actor)
    _check_minutes(minutes)
    notes = notes.strip()
    if len(notes) > MAX_NOTES:
        raise InvalidInput(f"Keep notes under {MAX_NOTES} characters.", field="notes")
    now = at or utcnow()
    if starts_at > now:
        raise InvalidInput("A session can be logged once it has happened; schedule it instead.",
                           field="starts_at")
    try:
        if session_id is not None:
            session = db.session.get(CoachingSession, session_id)
            if session is None or session.match_id != match.id:
                raise NotFound("No such session.")
            if session.status is not SessionStatus.SCHEDULED:
                raise Conflict("This session has already been logged.")
        else:
            session = CoachingSession(match_id=match.id, mode=match.request.mode)
            db.session.add(session)
        session.starts_at = starts_at
        session.minutes = minutes
        session.notes = notes
        session.logged_by_id = actor.id
        session.status = SessionStatus.HELD
        db.session.flush()
        hours = f"{minutes // 60} h {minutes % 60:02d} min"
        for person in _other_party(match, side):
            notify(person, "A session to confirm",
                   f"{actor.name} logged a coaching session on {format_date(starts_at)} "
                   f"({hours}) for \"{match.request.project.title}\". Please confirm the hours "
                   "in HexQI, or decline them if the session did not happen.")
        ledger.log_session(session, actor, minutes=minutes, at=at)  # commits
    except Exception:
        db.session.rollback()
        raise
    return session


def _pending_to_decide(session_id: int, actor: Person) -> PendingTransfer:
    session, side = _session(session_id, actor)
    pending = pending_for(session.id)
    if pending is None:
        raise Conflict("This session has not been logged yet.")
    if pending.status is not PendingStatus.PENDING:
        raise Conflict(f"These hours were already {pending.status.value}.")
    logger = db.session.get(Person, pending.logged_by_id)
    logger_side = party(session.match, logger) if logger else None
    if pending.logged_by_id == actor.id or logger_side == side:
        raise Forbidden("The other party confirms the hours: you logged this session "
                        "(or your side did).")
    return pending


def confirm_session(session_id: int, actor: Person) -> Transfer:
    """The other party agrees the session happened: the hours are posted."""
    from hexqi.services import ledger

    pending = _pending_to_decide(session_id, actor)
    return ledger.confirm_pending(pending.id, actor)


def decline_session(session_id: int, actor: Person) -> None:
    """The other party says the session did not happen as logged: no hours move."""
    from hexqi.services import ledger

    pending = _pending_to_decide(session_id, actor)
    ledger.decline_pending(pending.id, actor)


def match_sessions(match_id: int, actor: Person
                   ) -> list[tuple[CoachingSession, PendingTransfer | None]]:
    """A match's sessions (newest first) with their pending transfer, for either party."""
    match, _side = _party_match(match_id, actor)
    sessions = list(db.session.scalars(
        sa.select(CoachingSession).where(CoachingSession.match_id == match.id)
        .options(selectinload(CoachingSession.logged_by))
        .order_by(CoachingSession.starts_at.desc(), CoachingSession.id.desc())))
    ids = [s.id for s in sessions]
    pendings = {p.session_id: p for p in db.session.scalars(
        sa.select(PendingTransfer).where(PendingTransfer.session_id.in_(ids)))} if ids else {}
    return [(s, pendings.get(s.id)) for s in sessions]


def sessions_to_confirm(person: Person) -> list[CoachingSession]:
    """Logged sessions whose hours ``person`` may confirm (the other side logged them), with
    who logged each and its match's request, team and project, in one query."""
    my_teams = sa.select(TeamMember.team_id).where(TeamMember.person_id == person.id)
    query = (
        sa.select(CoachingSession)
        .join(PendingTransfer, PendingTransfer.session_id == CoachingSession.id)
        .join(Match, Match.id == CoachingSession.match_id)
        .join(SupportRequest, SupportRequest.id == Match.request_id)
        .where(PendingTransfer.status == PendingStatus.PENDING,
               PendingTransfer.logged_by_id != person.id,
               sa.or_(Match.coach_id == person.id,
                      sa.and_(SupportRequest.team_id.in_(my_teams),
                              PendingTransfer.logged_by_id == Match.coach_id)))
        .options(joinedload(CoachingSession.logged_by).lazyload(Person.role_rows),
                 joinedload(CoachingSession.match).joinedload(Match.request)
                 .joinedload(SupportRequest.team).joinedload(Team.organisation),
                 joinedload(CoachingSession.match).joinedload(Match.request)
                 .joinedload(SupportRequest.project))
        .order_by(CoachingSession.starts_at, CoachingSession.id))
    return list(db.session.scalars(query))


def session_ics(session_id: int, actor: Person) -> bytes:
    """An iCalendar invite (one VEVENT, times in UTC) for a session ``actor`` is party to."""
    session, _side = _session(session_id, actor)
    match = session.match
    request = match.request
    cal = Calendar()
    cal.add("prodid", "-//HexQI//coaching sessions//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"hexqi-session-{session.id}@hexqi")
    event.add("dtstamp", utcnow().replace(tzinfo=UTC))
    event.add("dtstart", session.starts_at.replace(tzinfo=UTC))
    event.add("duration", timedelta(minutes=session.minutes))
    event.add("summary", f"QI coaching: {request.project.title}")
    event.add("description",
              f"Coach: {match.coach.name} ({match.coach.organisation.name})\n"
              f"Team: {request.team.name} ({request.team.organisation.name})\n"
              + (f"Notes: {session.notes}\n" if session.notes else ""))
    where = request.location if session.mode is Mode.IN_PERSON and request.location else (
        "In person" if session.mode is Mode.IN_PERSON else "Online")
    event.add("location", where)
    if session.status is SessionStatus.CANCELLED:
        event.add("status", "CANCELLED")
    cal.add_component(event)
    return cal.to_ical()
