"""The coach's side: profile and availability, pausing, answering proposals, and the
figures on the coach dashboard.

Public functions that change data commit, or roll back and re-raise. Rule breaks raise
``InvalidInput(message, field=...)`` naming the form field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload, selectinload

from hexqi.extensions import db
from hexqi.models import (
    Account,
    CoachAbsence,
    CoachingSession,
    CoachProfile,
    CoachSkill,
    CoachSlot,
    Match,
    MatchStatus,
    Organisation,
    PendingStatus,
    PendingTransfer,
    Person,
    PersonRole,
    RequestSkill,
    RequestStatus,
    Role,
    SessionStatus,
    Skill,
    SupportRequest,
    System,
    Team,
    Transfer,
    TransferKind,
    utcnow,
)
from hexqi.models.common import SLOTS
from hexqi.services.errors import Conflict, InvalidInput, NotFound
from hexqi.services.notify import notify
from hexqi.services.requests import set_status
from hexqi.services.sessions import sessions_to_confirm
from hexqi.timefmt import local_month_start, local_today

MAX_CAPACITY_HOURS = 160
MAX_TEAMS = 20
MAX_TRAVEL_KM = 500


@dataclass
class ProfileInput:
    """What the profile form says; the service checks every rule again."""

    skills: dict[str, int]  # slug -> level 1..3 (skills left out are not offered)
    capacity_hours: int
    max_teams: int
    virtual: bool
    in_person: bool
    slots: list[str] = field(default_factory=list)
    base_location: str = ""
    latitude: float | None = None
    longitude: float | None = None
    travel_km: int = 0
    bio: str = ""


def taxonomy() -> list[Skill]:
    return list(db.session.scalars(sa.select(Skill).order_by(Skill.name)))


def _profile_query(person_id: int) -> sa.Select[CoachProfile]:
    return (sa.select(CoachProfile).where(CoachProfile.person_id == person_id)
            .options(selectinload(CoachProfile.skills).joinedload(CoachSkill.skill),
                     selectinload(CoachProfile.slots), selectinload(CoachProfile.absences)))


def get_profile(person: Person) -> CoachProfile | None:
    return db.session.scalar(_profile_query(person.id))


def ensure_profile(person: Person) -> CoachProfile:
    """The coach's profile, created (empty, not yet approved) on first visit."""
    if not person.has_role(Role.COACH):
        raise NotFound("Only coaches have a coach profile.")
    profile = get_profile(person)
    if profile is not None:
        return profile
    try:
        profile = CoachProfile(person_id=person.id, capacity_hours=4, max_teams=2,
                               virtual=True, in_person=False)
        db.session.add(profile)
        db.session.commit()
    except sa.exc.IntegrityError:  # created a moment ago in another tab
        db.session.rollback()
    except Exception:
        db.session.rollback()
        raise
    found = get_profile(person)
    assert found is not None
    return found


def _check_profile(data: ProfileInput) -> dict[str, Skill]:
    known = {s.slug: s for s in taxonomy()}
    for slug, level in data.skills.items():
        if slug not in known:
            raise InvalidInput("Choose skills from the list.", field=f"skill_{slug}")
        if level not in (1, 2, 3):
            raise InvalidInput("Choose a level from 1 to 3, or leave the skill out.",
                               field=f"skill_{slug}")
    if not data.skills:
        raise InvalidInput("Choose at least one skill you can coach.", field="skills")
    if not 0 <= data.capacity_hours <= MAX_CAPACITY_HOURS:
        raise InvalidInput(f"Enter hours from 0 to {MAX_CAPACITY_HOURS} a month.",
                           field="capacity_hours")
    if not 1 <= data.max_teams <= MAX_TEAMS:
        raise InvalidInput(f"Enter a number of teams from 1 to {MAX_TEAMS}.", field="max_teams")
    if not (data.virtual or data.in_person):
        raise InvalidInput("Choose virtual, in person, or both.", field="virtual")
    bad = [s for s in data.slots if s not in SLOTS]
    if bad:
        raise InvalidInput("Choose half-days from the grid.", field="slots")
    if (data.latitude is None) != (data.longitude is None):
        raise InvalidInput("Enter both latitude and longitude, or neither.", field="latitude")
    if data.latitude is not None and not -90 <= data.latitude <= 90:
        raise InvalidInput("Latitude is between -90 and 90.", field="latitude")
    if data.longitude is not None and not -180 <= data.longitude <= 180:
        raise InvalidInput("Longitude is between -180 and 180.", field="longitude")
    if not 0 <= data.travel_km <= MAX_TRAVEL_KM:
        raise InvalidInput(f"Enter a distance from 0 to {MAX_TRAVEL_KM} km.", field="travel_km")
    if data.in_person and data.travel_km > 0 and data.latitude is None and \
            not data.base_location.strip():
        raise InvalidInput("Say where you are based so we can work out travel.",
                           field="base_location")
    if len(data.base_location) > 120:
        raise InvalidInput("Keep the place name under 120 characters.", field="base_location")
    return known


def update_profile(person: Person, data: ProfileInput) -> CoachProfile:
    """Replace the coach's skills, capacity, modes, location and weekly half-days."""
    known = _check_profile(data)
    profile = ensure_profile(person)
    try:
        by_skill = {cs.skill_id: cs for cs in profile.skills}
        wanted = {known[slug].id: level for slug, level in data.skills.items()}
        for skill_id, row in list(by_skill.items()):
            if skill_id not in wanted:
                profile.skills.remove(row)
            else:
                row.level = wanted[skill_id]
        for skill_id, level in wanted.items():
            if skill_id not in by_skill:
                profile.skills.append(CoachSkill(skill_id=skill_id, level=level))
        have = {s.slot: s for s in profile.slots}
        for slot, row in have.items():
            if slot not in data.slots:
                profile.slots.remove(row)
        for slot in dict.fromkeys(data.slots):
            if slot not in have:
                profile.slots.append(CoachSlot(slot=slot))
        profile.capacity_hours = data.capacity_hours
        profile.max_teams = data.max_teams
        profile.virtual = data.virtual
        profile.in_person = data.in_person
        profile.base_location = data.base_location.strip()
        profile.latitude = data.latitude
        profile.longitude = data.longitude
        profile.travel_km = data.travel_km
        profile.bio = data.bio.strip()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return profile


def add_absence(person: Person, starts_on: date, ends_on: date) -> CoachAbsence:
    if ends_on < starts_on:
        raise InvalidInput("The last day away must be on or after the first day.",
                           field="ends_on")
    if ends_on < local_today():
        raise InvalidInput("These dates are in the past; enter dates still to come.",
                           field="ends_on")
    profile = ensure_profile(person)
    try:
        absence = CoachAbsence(profile_id=profile.id, starts_on=starts_on, ends_on=ends_on)
        db.session.add(absence)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return absence


def remove_absence(person: Person, absence_id: int) -> None:
    profile = ensure_profile(person)
    absence = db.session.get(CoachAbsence, absence_id)
    if absence is None or absence.profile_id != profile.id:
        raise NotFound("No such dates away.")
    try:
        db.session.delete(absence)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def set_paused(person: Person, paused: bool) -> CoachProfile:
    """A paused coach is left out of matching rounds until they resume."""
    profile = ensure_profile(person)
    try:
        profile.paused = paused
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return profile


# --- proposals ----------------------------------------------------------------------------

def _request_options() -> list[sa.orm.interfaces.LoaderOption]:
    """The request, its team, organisation and project joined on (one row each); its skills
    and slots in one query each."""
    return [
        joinedload(Match.request).joinedload(SupportRequest.team)
        .joinedload(Team.organisation),
        joinedload(Match.request).joinedload(SupportRequest.project),
        joinedload(Match.request).selectinload(SupportRequest.skills)
        .joinedload(RequestSkill.skill),
        joinedload(Match.request).selectinload(SupportRequest.slots),
    ]


def own_match(match_id: int, coach: Person) -> Match:
    """The coach's own published match, or NotFound (someone else's answers the same)."""
    match = db.session.scalar(sa.select(Match).where(Match.id == match_id)
                              .options(*_request_options()))
    if match is None or match.coach_id != coach.id or not match.published:
        raise NotFound("No such match.")
    return match


def _published_matches(coach: Person, statuses: tuple[MatchStatus, ...]) -> list[Match]:
    return list(db.session.scalars(
        sa.select(Match)
        .where(Match.coach_id == coach.id, Match.published.is_(True), Match.status.in_(statuses))
        .options(*_request_options()).order_by(Match.created_at, Match.id)))


def proposals_for(coach: Person) -> list[Match]:
    return _published_matches(coach, (MatchStatus.PROPOSED,))


def accepted_matches(coach: Person) -> list[Match]:
    return _published_matches(coach, (MatchStatus.ACCEPTED,))


def proposals_and_teams(coach: Person) -> tuple[list[Match], list[Match]]:
    """The coach's waiting proposals and accepted matches, loaded together."""
    rows = _published_matches(coach, (MatchStatus.PROPOSED, MatchStatus.ACCEPTED))
    return ([m for m in rows if m.status is MatchStatus.PROPOSED],
            [m for m in rows if m.status is MatchStatus.ACCEPTED])


def _set_request_status(request: SupportRequest, to_status: RequestStatus, actor: Person,
                        note: str) -> None:
    set_status(request, to_status, actor, note=note, commit=False)


def _system_leads(org: Organisation) -> list[Person]:
    return list(db.session.scalars(
        sa.select(Person).join(Person.role_rows).join(Person.organisation)
        .where(Organisation.system_id == org.system_id, Person.active.is_(True),
               PersonRole.role == Role.SYSTEM_LEAD)
        .order_by(Person.id)))


def accept_proposal(match_id: int, coach: Person) -> Match:
    """The coach takes the team on: the match is accepted and the request becomes active."""
    match = own_match(match_id, coach)
    if match.status is not MatchStatus.PROPOSED:
        raise Conflict(f"You have already {match.status.value} this proposal.")
    request = match.request
    if request.status not in (RequestStatus.OPEN, RequestStatus.MATCHED):
        raise Conflict(f"This request is {request.status.value}; it no longer needs a coach.")
    try:
        match.status = MatchStatus.ACCEPTED
        match.decided_at = utcnow()
        if request.status is RequestStatus.OPEN:
            _set_request_status(request, RequestStatus.MATCHED, coach,
                                note=f"Proposed to {coach.name}")
        _set_request_status(request, RequestStatus.ACTIVE, coach,
                            note=f"{coach.name} accepted the proposal")
        body = (f"{coach.name} ({coach.organisation.name}) accepted your request "
                f"\"{request.project.title}\". They will be in touch to arrange a first "
                "session.")
        for member in request.team.members:
            notify(member.person, "Your coach accepted", body)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return match


def decline_proposal(match_id: int, coach: Person, reason: str = "") -> Match:
    """The coach says no: the request goes back to open and system leads are told."""
    match = own_match(match_id, coach)
    if match.status is not MatchStatus.PROPOSED:
        raise Conflict(f"You have already {match.status.value} this proposal.")
    reason = " ".join(reason.split())[:300]
    request = match.request
    try:
        match.status = MatchStatus.DECLINED
        match.decided_at = utcnow()
        if request.status is RequestStatus.MATCHED:
            note = f"{coach.name} declined the proposal" + (f": {reason}" if reason else "")
            _set_request_status(request, RequestStatus.OPEN, coach, note=note)
        body = (f"{coach.name} declined the proposal to coach {request.team.name} "
                f"({request.team.organisation.name}) on \"{request.project.title}\"."
                + (f"\nReason: {reason}" if reason else "")
                + "\nThe request is open again; you can match it in the next round or by hand.")
        for lead in _system_leads(request.team.organisation):
            notify(lead, "A coach declined a proposal", body)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return match


# --- dashboard figures --------------------------------------------------------------------

@dataclass
class CoachFigures:
    account_id: int | None
    balance: int  # minutes
    given_this_month: int  # minutes, posted session transfers credited to the coach
    pending_minutes: int  # logged, awaiting confirmation
    capacity_hours: int
    approved_hours: int | None


def month_start(now: datetime | None = None) -> datetime:
    """The start of this UK calendar month (as naive UTC); ``now`` is a stored time."""
    return local_month_start(now)


def account_id_of(person: Person) -> int | None:
    """The person's ledger account, without creating one on a read."""
    return db.session.scalar(sa.select(Account.id).where(Account.person_id == person.id))


def _account_transfers(account: int | sa.ColumnElement[Any] | None) -> sa.Subquery:
    """The ids of the account's posted transfers (a literal id or an SQL expression), through
    its two account indexes: a plain OR here lets the planner walk every transfer newest
    first looking for a quiet account's few rows."""
    return sa.union_all(
        sa.select(Transfer.id).where(Transfer.debit_account_id == account),
        sa.select(Transfer.id).where(Transfer.credit_account_id == account),
    ).subquery("mine")


def _figure_columns(coach_id: int, now: datetime | None) -> list[sa.ColumnElement[Any]]:
    """The coach's account id, minutes given this month in sessions, minutes logged and
    waiting for the team, and how many transfers the account has: columns for one query."""
    account = sa.select(Account.id).where(Account.person_id == coach_id).scalar_subquery()
    given = (sa.select(sa.func.coalesce(sa.func.sum(Transfer.minutes), 0))
             .where(Transfer.credit_account_id == account,
                    Transfer.kind == TransferKind.SESSION,
                    Transfer.created_at >= month_start(now)))
    logged = (sa.select(sa.func.coalesce(sa.func.sum(PendingTransfer.minutes), 0))
              .where(PendingTransfer.credit_account_id == account,
                     PendingTransfer.status == PendingStatus.PENDING))
    mine = _account_transfers(account)
    transfers = sa.select(sa.func.count(sa.distinct(mine.c.id)))
    return [account.label("account_id"), given.scalar_subquery(), logged.scalar_subquery(),
            transfers.scalar_subquery()]


def _figures(profile: CoachProfile, account_id: int | None, given: int, logged: int
             ) -> CoachFigures:
    from hexqi.services import ledger

    balance = ledger.balance(account_id) if account_id is not None else 0
    return CoachFigures(account_id, int(balance), int(given or 0), int(logged or 0),
                        profile.capacity_hours, profile.approved_hours)


def coach_figures(coach: Person, profile: CoachProfile, now: datetime | None = None
                  ) -> CoachFigures:
    """The coach's figures: one query, then the ledger's balance of their account."""
    account_id, given, logged, _count = db.session.execute(
        sa.select(*_figure_columns(coach.id, now))).one()
    return _figures(profile, account_id, given, logged)


def upcoming_sessions(coach: Person, now: datetime | None = None, limit: int = 10
                      ) -> list[CoachingSession]:
    return list(db.session.scalars(
        sa.select(CoachingSession).join(CoachingSession.match)
        .where(Match.coach_id == coach.id, CoachingSession.status == SessionStatus.SCHEDULED,
               CoachingSession.starts_at >= (now or utcnow()))
        .options(joinedload(CoachingSession.match).joinedload(Match.request)
                 .joinedload(SupportRequest.team).joinedload(Team.organisation),
                 joinedload(CoachingSession.match).joinedload(Match.request)
                 .joinedload(SupportRequest.project))
        .order_by(CoachingSession.starts_at).limit(limit)))


def transfer_history(account_id: int | None, page: int, per_page: int,
                     total: int | None = None) -> tuple[Pagination, dict[int, str]]:
    """A page of the account's posted transfers, newest first, and for each the name of the
    other party (person, team, organisation or system), in three queries whatever the page;
    two when the caller gives the ``total`` number of the account's transfers."""
    query = (sa.select(Transfer)
             .where(Transfer.id.in_(sa.select(_account_transfers(account_id).c.id)))
             .order_by(Transfer.created_at.desc(), Transfer.id.desc()))
    if account_id is None:
        query = query.where(sa.false())
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False,
                             count=total is None)
    if total is not None:
        pagination.total = total
    ids = [t.id for t in pagination.items]
    if not ids:
        return pagination, {}
    other = sa.orm.aliased(Account)
    other_id = sa.case((Transfer.credit_account_id == account_id, Transfer.debit_account_id),
                       else_=Transfer.credit_account_id)
    label = sa.func.coalesce(Person.name, Team.name, Organisation.name, System.name)
    rows = db.session.execute(
        sa.select(Transfer.id, label)
        .join(other, other.id == other_id)
        .outerjoin(Person, Person.id == other.person_id)
        .outerjoin(Team, Team.id == other.team_id)
        .outerjoin(Organisation, Organisation.id == other.organisation_id)
        .outerjoin(System, System.id == other.system_id)
        .where(Transfer.id.in_(ids)))
    return pagination, {transfer_id: name or "" for transfer_id, name in rows}


# --- the dashboard ------------------------------------------------------------------------

@dataclass
class CoachDashboard:
    profile: CoachProfile
    has_skills: bool            # the profile offers at least one skill
    figures: CoachFigures
    proposals: list[Match]      # waiting for the coach's answer
    matches: list[Match]        # accepted: the teams the coach works with
    upcoming: list[CoachingSession]
    to_confirm: list[CoachingSession]
    history: Pagination         # a page of the account's transfers
    other_party: dict[int, str]  # transfer id -> who was on the other side


def _dashboard_row(coach_id: int, now: datetime | None) -> sa.Select[Any]:
    has_skills = sa.exists().where(CoachSkill.profile_id == CoachProfile.id)
    return (sa.select(CoachProfile, has_skills, *_figure_columns(coach_id, now))
            .where(CoachProfile.person_id == coach_id))


def coach_dashboard(coach: Person, page: int = 1, per_page: int = 25,
                    now: datetime | None = None) -> CoachDashboard:
    """What the coach dashboard shows, its profile created on the first visit. At most nine
    queries, whatever the number of proposals, teams, sessions or transfers: the profile
    with the figures and the number of transfers, the balance (the ledger's), the matches
    with their requests and the requests' skills and half-days, the upcoming sessions, the
    sessions to confirm, a page of transfers and their other parties."""
    if not coach.has_role(Role.COACH):
        raise NotFound("Only coaches have a coach profile.")
    row = db.session.execute(_dashboard_row(coach.id, now)).first()
    if row is None:
        ensure_profile(coach)
        row = db.session.execute(_dashboard_row(coach.id, now)).one()
    profile, has_skills, account_id, given, logged, transfers = row
    proposals, matches = proposals_and_teams(coach)
    history, other_party = transfer_history(account_id, page, per_page, total=int(transfers))
    return CoachDashboard(
        profile=profile, has_skills=bool(has_skills),
        figures=_figures(profile, account_id, given, logged),
        proposals=proposals, matches=matches, upcoming=upcoming_sessions(coach, now),
        to_confirm=sessions_to_confirm(coach), history=history, other_party=other_party)
