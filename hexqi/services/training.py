"""Training events a coach runs, who attended, and claiming the hours once.

Attendance feeds the tier reports (who has been trained in what). Claiming posts one
training transfer through the ledger: the host organisation pays the coach the event's
minutes, exactly once.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from hexqi.extensions import db
from hexqi.models import (
    Organisation,
    Person,
    Role,
    Skill,
    TrainingAttendance,
    TrainingEvent,
    Transfer,
    TransferKind,
    utcnow,
)
from hexqi.services.errors import Conflict, InvalidInput, NotFound

MAX_MINUTES = 8 * 60
ALREADY_CLAIMED = "You have already claimed the hours for this event; they are in your balance."


def _check_coach(coach: Person) -> None:
    if not coach.has_role(Role.COACH):
        raise NotFound("Only coaches run training events.")


def host_organisations(coach: Person) -> list[Organisation]:
    """Active partner organisations in the coach's system (the coach's own first)."""
    orgs = list(db.session.scalars(
        sa.select(Organisation)
        .where(Organisation.system_id == coach.organisation.system_id,
               Organisation.active.is_(True))
        .order_by(Organisation.name)))
    return sorted(orgs, key=lambda o: o.id != coach.organisation_id)


def create_event(coach: Person, title: str, starts_at: datetime, minutes: int,
                 skill_id: int | None = None, host_organisation_id: int | None = None
                 ) -> TrainingEvent:
    _check_coach(coach)
    title = " ".join(title.split())
    if not title:
        raise InvalidInput("Give the event a title.", field="title")
    if len(title) > 200:
        raise InvalidInput("Keep the title under 200 characters.", field="title")
    if not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput(f"Enter minutes from 1 to {MAX_MINUTES} (8 hours).", field="minutes")
    if skill_id is not None and db.session.get(Skill, skill_id) is None:
        raise InvalidInput("Choose a skill from the list.", field="skill_id")
    host_id = host_organisation_id or coach.organisation_id
    host = db.session.get(Organisation, host_id)
    if host is None or not host.active or host.system_id != coach.organisation.system_id:
        raise InvalidInput("Choose a partner organisation from the list.",
                           field="host_organisation_id")
    try:
        event = TrainingEvent(coach_id=coach.id, host_organisation_id=host.id,
                              skill_id=skill_id, title=title, starts_at=starts_at,
                              minutes=minutes)
        db.session.add(event)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return event


def own_event(event_id: int, coach: Person) -> TrainingEvent:
    event = db.session.scalar(
        sa.select(TrainingEvent).where(TrainingEvent.id == event_id)
        .options(selectinload(TrainingEvent.attendance).selectinload(TrainingAttendance.person)
                 .selectinload(Person.organisation),
                 selectinload(TrainingEvent.host_organisation),
                 selectinload(TrainingEvent.skill)))
    if event is None or event.coach_id != coach.id:
        raise NotFound("No such training event.")
    return event


def events_for(coach: Person, page: int, per_page: int
               ) -> tuple[Pagination, dict[int, int], set[int]]:
    """A page of the coach's events, with attendee counts and which are claimed."""
    query = (sa.select(TrainingEvent).where(TrainingEvent.coach_id == coach.id)
             .options(selectinload(TrainingEvent.host_organisation),
                      selectinload(TrainingEvent.skill))
             .order_by(TrainingEvent.starts_at.desc(), TrainingEvent.id.desc()))
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    ids = [e.id for e in pagination.items]
    counts: dict[int, int] = {}
    claimed: set[int] = set()
    if ids:
        counts = {event_id: n for event_id, n in db.session.execute(
            sa.select(TrainingAttendance.event_id, sa.func.count())
            .where(TrainingAttendance.event_id.in_(ids))
            .group_by(TrainingAttendance.event_id))}
        claimed = set(db.session.scalars(
            sa.select(Transfer.training_event_id)
            .where(Transfer.training_event_id.in_(ids), Transfer.kind == TransferKind.TRAINING)))
    return pagination, counts, claimed


def claim_for(event_id: int) -> Transfer | None:
    return db.session.scalar(sa.select(Transfer).where(
        Transfer.training_event_id == event_id, Transfer.kind == TransferKind.TRAINING))


def add_attendees(event_id: int, coach: Person, person_ids: list[int]) -> int:
    """Mark people as having attended; people already there are left alone. Returns new count."""
    event = own_event(event_id, coach)
    wanted = set(person_ids)
    if not wanted:
        raise InvalidInput("Choose at least one person who attended.", field="person_ids")
    people = list(db.session.scalars(
        sa.select(Person).join(Person.organisation)
        .where(Person.id.in_(wanted),
               Organisation.system_id == coach.organisation.system_id)))
    if len(people) != len(wanted):
        raise InvalidInput("Choose people from the list.", field="person_ids")
    have = {a.person_id for a in event.attendance}
    added = 0
    try:
        for p in people:
            if p.id not in have and p.id != coach.id:
                event.attendance.append(TrainingAttendance(person_id=p.id, attended=True))
                added += 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return added


def add_attendee_by_email(event_id: int, coach: Person, email: str) -> Person:
    from hexqi.services.accounts import find_by_email

    own_event(event_id, coach)
    email = email.strip()
    if "@" not in email:
        raise InvalidInput("Enter an email address like name@nhs.net.", field="email")
    person = find_by_email(email)
    if person is None or person.organisation.system_id != coach.organisation.system_id:
        raise InvalidInput("Nobody in the partnership has that email address. Check it, or "
                           "ask them to register first.", field="email")
    if person.id == coach.id:
        raise InvalidInput("You ran the event; add the people who attended.", field="email")
    add_attendees(event_id, coach, [person.id])
    return person


def remove_attendee(event_id: int, coach: Person, person_id: int) -> None:
    event = own_event(event_id, coach)
    row = next((a for a in event.attendance if a.person_id == person_id), None)
    if row is None:
        raise NotFound("That person is not on the attendance list.")
    try:
        event.attendance.remove(row)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def search_people(coach: Person, query: str, page: int, per_page: int) -> Pagination:
    """People to add: the coach's organisation by default, or anyone in the system whose name
    or email contains ``query``."""
    select = (sa.select(Person).join(Person.organisation)
              .where(Person.active.is_(True), Person.id != coach.id)
              .options(selectinload(Person.organisation)))
    query = query.strip().lower()
    if query:
        like = f"%{query.replace('%', '').replace('_', '')}%"
        select = select.where(Organisation.system_id == coach.organisation.system_id,
                              sa.or_(sa.func.lower(Person.name).like(like),
                                     Person.email.like(like)))
    else:
        select = select.where(Person.organisation_id == coach.organisation_id)
    return db.paginate(select.order_by(Person.name, Person.id), page=page, per_page=per_page,
                       error_out=False)


def claim_hours(event_id: int, coach: Person, now: datetime | None = None) -> Transfer:
    """Post the event's minutes to the coach, paid by the host organisation; only once."""
    from hexqi.services import ledger

    event = own_event(event_id, coach)
    if claim_for(event.id) is not None:
        raise Conflict(ALREADY_CLAIMED)
    if event.starts_at > (now or utcnow()):
        raise Conflict("You can claim the hours once the event has taken place.")
    if not event.attendance:
        raise Conflict("Record who attended before claiming the hours.")
    try:
        return ledger.record_training(event, coach)
    except sa.exc.IntegrityError:  # a second click raced the first
        db.session.rollback()
        raise Conflict(ALREADY_CLAIMED) from None
