"""Administration: partner organisations, people's roles and the credit floor (system leads);
coaches' protected time and the hours an organisation's staff gave (organisation admins).

Rules
-----
* A system lead manages only their own system; nobody can remove their own system-lead role.
* The credit floor is a whole number of hours, 0 or below (down to -1,000).
* Dosing targets are percentages 0-100 that add up to at most 100.
* Approved protected time is a whole number of hours from 0 up to what the coach offers
  (``capacity_hours``). If the coach later offers less, ``CoachProfile.usable_hours`` caps it.
* Every change of approval is kept: ``approve_hours`` sets ``CoachProfile.approved_hours`` (what
  the matcher reads) and adds a ``ProtectedTimeApproval`` row in the same transaction. Approving
  the hours already approved adds nothing; rows are never changed or removed.
* "Hours given" by an organisation's staff in a month = posted session and training transfers
  crediting its people's accounts that month, less posted reversals of those (UK calendar
  months).
* Removing someone's coach role ends their protected time: the approval is cleared (the
  organisation approves again if the role comes back) and a 0-hour row records when it ended.
* "Released" in a month = the sum, over everyone the organisation has approved time for, of
  the last approval it recorded for each before that month ended (for this month: the
  approvals in effect now); someone with no approval by then counts 0, as does a former coach
  after their role was removed. It is the hours approved, not capped by what the coach offers
  now. The headline "released a month"
  is today's approvals capped by what each coach offers (``released_hours``).

Public functions that change data commit, or roll back and re-raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import aliased, joinedload

from hexqi.extensions import db
from hexqi.models import (
    Account,
    CoachProfile,
    Organisation,
    OrgKind,
    Person,
    PersonRole,
    ProtectedTimeApproval,
    Role,
    System,
    Transfer,
    TransferKind,
    utcnow,
)
from hexqi.services.errors import Forbidden, InvalidInput, NotFound
from hexqi.timefmt import local_month_start, local_today

MIN_FLOOR_HOURS = -1000
MAX_APPROVED_HOURS = 744  # the hours in a month: a clear upper limit for bad input
GIVEN_KINDS = (TransferKind.SESSION, TransferKind.TRAINING)


def _lead(actor: Person, system_id: int) -> None:
    if not actor.has_role(Role.SYSTEM_LEAD) or actor.organisation.system_id != system_id:
        raise Forbidden("Only a system lead of this system can do that.")


# --- organisations ------------------------------------------------------------------------

def organisations(system_id: int) -> sa.Select[Any]:
    return (sa.select(Organisation).where(Organisation.system_id == system_id)
            .order_by(Organisation.active.desc(), Organisation.name))


def get_organisation(system_id: int, org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None or org.system_id != system_id:
        raise NotFound("There is no such organisation.")
    return org


def _slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:70] or "organisation"
    slug, n = base, 1
    while db.session.scalar(sa.select(Organisation.id).where(Organisation.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


def _pct(value: Any, field: str) -> float:
    try:
        number = float(Decimal(str(value)))
    except (ArithmeticError, ValueError, TypeError):
        raise InvalidInput("Enter a percentage from 0 to 100.", field=field) from None
    if not 0 <= number <= 100:
        raise InvalidInput("Enter a percentage from 0 to 100.", field=field)
    return round(number, 1)


def save_organisation(system_id: int, actor: Person, org_id: int | None, *, name: str,
                      kind: str, locality: str = "", active: bool = True,
                      staff_headcount: int = 0, target_learn_pct: Any = 0,
                      target_live_pct: Any = 0, target_lead_pct: Any = 0) -> Organisation:
    """Add (``org_id`` None) or edit a partner organisation. Commits."""
    try:
        _lead(actor, system_id)
        org = get_organisation(system_id, org_id) if org_id else None
        name = " ".join((name or "").split())
        if not name:
            raise InvalidInput("Enter the organisation's name.", field="name")
        if len(name) > 200:
            raise InvalidInput("Keep the name under 200 characters.", field="name")
        clash = db.session.scalar(sa.select(Organisation.id).where(
            sa.func.lower(Organisation.name) == name.lower()))
        if clash and (org is None or clash != org.id):
            raise InvalidInput("An organisation with this name already exists.", field="name")
        try:
            org_kind = OrgKind(kind)
        except ValueError:
            raise InvalidInput("Choose the kind of organisation.", field="kind") from None
        if isinstance(staff_headcount, bool) or not isinstance(staff_headcount, int) \
                or staff_headcount < 0:
            raise InvalidInput("Enter the headcount as a whole number, 0 or more.",
                               field="staff_headcount")
        targets = {f: _pct(v, f) for f, v in (("target_learn_pct", target_learn_pct),
                                               ("target_live_pct", target_live_pct),
                                               ("target_lead_pct", target_lead_pct))}
        if sum(targets.values()) > 100:
            raise InvalidInput("The three tier targets add up to more than 100% of staff.",
                               field="target_lead_pct")
        if org is None:
            org = Organisation(system_id=system_id, name=name, slug=_slug(name), kind=org_kind)
            db.session.add(org)
        org.name, org.kind = name, org_kind
        org.locality = " ".join((locality or "").split())[:120]
        org.active = bool(active)
        org.staff_headcount = staff_headcount
        for field, value in targets.items():
            setattr(org, field, value)
        db.session.commit()
        return org
    except Exception:
        db.session.rollback()
        raise


# --- people and roles ---------------------------------------------------------------------

def people(system_id: int, query: str = "") -> sa.Select[Any]:
    stmt = (sa.select(Person).join(Person.organisation)
            .where(Organisation.system_id == system_id)
            .options(joinedload(Person.organisation))
            .order_by(Person.name, Person.id))
    words = (query or "").strip().lower().split()
    for word in words[:5]:
        like = f"%{word.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(sa.or_(sa.func.lower(Person.name).like(like),
                                 Person.email.like(like)))
    return stmt


def _person_in(system_id: int, person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None or person.organisation.system_id != system_id:
        raise NotFound("There is no such person.")
    return person


def _role(role: Any) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidInput("Choose a role.", field="role") from None


def grant_role(system_id: int, actor: Person, person_id: int, role: Any) -> Person:
    try:
        _lead(actor, system_id)
        person, chosen = _person_in(system_id, person_id), _role(role)
        person.add_role(chosen)
        db.session.commit()
        return person
    except Exception:
        db.session.rollback()
        raise


def revoke_role(system_id: int, actor: Person, person_id: int, role: Any) -> Person:
    try:
        _lead(actor, system_id)
        person, chosen = _person_in(system_id, person_id), _role(role)
        if person.id == actor.id and chosen == Role.SYSTEM_LEAD:
            raise InvalidInput("You cannot remove your own system lead role; ask another "
                               "system lead.", field="role")
        db.session.execute(sa.delete(PersonRole).where(PersonRole.person_id == person.id,
                                                       PersonRole.role == chosen))
        if chosen == Role.COACH:
            _end_protected_time(person, actor)
        db.session.commit()
        db.session.expire(person, ["role_rows"])
        return person
    except Exception:
        db.session.rollback()
        raise


def _end_protected_time(person: Person, actor: Person) -> None:
    """A former coach has no protected time: clear the approval and, when time was approved,
    record its end (0 hours) in the history."""
    profile = db.session.scalar(sa.select(CoachProfile).where(CoachProfile.person_id == person.id))
    if profile is None or profile.approved_hours is None:
        return
    profile.approved_hours = None
    db.session.add(ProtectedTimeApproval(
        person_id=person.id, organisation_id=person.organisation_id, hours=0,
        approved_by_id=actor.id, approved_at=utcnow()))


# --- the credit floor ---------------------------------------------------------------------

def set_credit_floor(system_id: int, actor: Person, hours: Any) -> System:
    """The lowest balance an account may reach, in whole hours (0 or below). Commits."""
    try:
        _lead(actor, system_id)
        if isinstance(hours, bool) or not isinstance(hours, int):
            raise InvalidInput("Enter the floor in whole hours, for example -20.", field="hours")
        if hours > 0:
            raise InvalidInput("The floor must be 0 or below: it is how far into debt an "
                               "account may go.", field="hours")
        if hours < MIN_FLOOR_HOURS:
            raise InvalidInput(f"The floor cannot be below {MIN_FLOOR_HOURS} hours.",
                               field="hours")
        system = db.session.get(System, system_id)
        if system is None:
            raise NotFound("There is no such system.")
        system.credit_floor_minutes = hours * 60
        db.session.commit()
        return system
    except Exception:
        db.session.rollback()
        raise


# --- organisation admins: protected time ----------------------------------------------------

def _org_admin(actor: Person) -> int:
    if not actor.has_role(Role.ORG_ADMIN):
        raise Forbidden("Only an organisation admin can approve protected time.")
    return actor.organisation_id


def org_coaches(org_id: int) -> sa.Select[Any]:
    """Coach profiles of the organisation's people who hold the coach role."""
    is_coach = (sa.select(PersonRole.person_id)
                .where(PersonRole.person_id == Person.id, PersonRole.role == Role.COACH)
                .exists())
    return (sa.select(CoachProfile).join(CoachProfile.person)
            .where(Person.organisation_id == org_id, is_coach)
            .options(joinedload(CoachProfile.person).lazyload(Person.role_rows))
            .order_by(Person.name, Person.id))


def approve_hours(actor: Person, person_id: int, hours: Any, *,
                  at: datetime | None = None) -> CoachProfile:
    """Set the monthly protected time the organisation releases for one of its coaches, and
    keep the change in the approvals history (``at``: when, default now). Commits."""
    try:
        org_id = _org_admin(actor)
        profile = db.session.scalar(
            sa.select(CoachProfile).join(CoachProfile.person)
            .where(CoachProfile.person_id == person_id, Person.organisation_id == org_id)
            .with_for_update(of=CoachProfile).execution_options(populate_existing=True))
        if profile is None:
            raise NotFound("There is no such coach in your organisation.")
        if isinstance(hours, bool) or not isinstance(hours, int):
            raise InvalidInput("Enter whole hours per month, for example 4.",
                               field="approved_hours")
        if hours < 0 or hours > min(profile.capacity_hours, MAX_APPROVED_HOURS):
            raise InvalidInput(f"Approve between 0 and the {profile.capacity_hours} hours a "
                               f"month {profile.person.name} offers.", field="approved_hours")
        last = db.session.execute(
            sa.select(ProtectedTimeApproval.hours, ProtectedTimeApproval.organisation_id)
            .where(ProtectedTimeApproval.person_id == person_id)
            .order_by(ProtectedTimeApproval.approved_at.desc(),
                      ProtectedTimeApproval.id.desc()).limit(1)).first()
        if last is None or tuple(last) != (hours, org_id) or profile.approved_hours != hours:
            db.session.add(ProtectedTimeApproval(
                person_id=person_id, organisation_id=org_id, hours=hours,
                approved_by_id=actor.id, approved_at=at or utcnow()))
        profile.approved_hours = hours
        db.session.commit()
        return profile
    except Exception:
        db.session.rollback()
        raise


def _month_bounds(keys: list[str]) -> tuple[list[datetime], list[datetime]]:
    """Where each display-zone month ("YYYY-MM", ``keys`` newest first) starts and ends, as
    stored times: a month starts at UK midnight, not UTC midnight."""
    starts = [local_month_start(date.fromisoformat(k + "-01")) for k in keys]
    ends = [local_month_start(_next_month(date.fromisoformat(keys[0] + "-01"))), *starts[:-1]]
    return starts, ends


def _next_month(first: date) -> date:
    return date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)


def _months(count: int, today: date) -> list[str]:
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


@dataclass(frozen=True)
class MonthHours:
    month: str  # "YYYY-MM"
    given_minutes: int
    released_hours: int

    @property
    def label(self) -> str:
        return datetime.strptime(self.month, "%Y-%m").strftime("%B %Y")


def given_by_person(person_ids: list[int], since: datetime) -> dict[int, int]:
    """Minutes each person gave (session + training credits less their reversals) since, in
    one query."""
    if not person_ids:
        return {}
    original = aliased(Transfer)
    moves = sa.union_all(
        sa.select(Account.person_id.label("person_id"), Transfer.minutes.label("minutes"))
        .join(Transfer, Transfer.credit_account_id == Account.id)
        .where(Account.person_id.in_(person_ids), Transfer.kind.in_(GIVEN_KINDS),
               Transfer.created_at >= since),
        sa.select(Account.person_id, -Transfer.minutes)
        .join(Transfer, Transfer.debit_account_id == Account.id)
        .join(original, original.id == Transfer.reverses_id)
        .where(Account.person_id.in_(person_ids), Transfer.kind == TransferKind.REVERSAL,
               original.kind.in_(GIVEN_KINDS), Transfer.created_at >= since),
    ).subquery("moves")
    rows = db.session.execute(sa.select(moves.c.person_id, sa.func.sum(moves.c.minutes))
                              .group_by(moves.c.person_id))
    return {int(pid or 0): int(minutes or 0) for pid, minutes in rows}


def _given_row(org_id: int, keys: list[str]) -> sa.Subquery:
    """One row, a column a month (``keys`` newest first): the minutes the organisation's
    people gave, posted session and training credits less the reversals of those."""
    starts, ends = _month_bounds(keys)
    people_accounts = (sa.select(Account.id).join(Account.person)
                       .where(Person.organisation_id == org_id))
    in_range = (Transfer.created_at >= starts[-1], Transfer.created_at < ends[0])
    original = aliased(Transfer)
    moves = sa.union_all(
        sa.select(Transfer.created_at.label("at"), Transfer.minutes.label("minutes"))
        .where(Transfer.credit_account_id.in_(people_accounts),
               Transfer.kind.in_(GIVEN_KINDS), *in_range),
        sa.select(Transfer.created_at, -Transfer.minutes)
        .join(original, original.id == Transfer.reverses_id)
        .where(Transfer.debit_account_id.in_(people_accounts),
               Transfer.kind == TransferKind.REVERSAL, original.kind.in_(GIVEN_KINDS),
               *in_range),
    ).subquery("moves")
    return sa.select(*[
        sa.func.coalesce(sa.func.sum(sa.case(
            (sa.and_(moves.c.at >= start, moves.c.at < end), moves.c.minutes), else_=0)), 0)
        .label(f"given_{i}")
        for i, (start, end) in enumerate(zip(starts, ends, strict=True))]).subquery("given")


def _released_row(org_id: int, keys: list[str]) -> sa.Subquery:
    """One row, a column a month (``keys`` newest first): the hours a month released at the
    month's end (see ``released_by_month``)."""
    _starts, ends = _month_bounds(keys)
    a = ProtectedTimeApproval
    approved_here = sa.select(a.person_id).where(a.organisation_id == org_id)
    spans = (sa.select(a.organisation_id, a.hours, a.approved_at,
                       sa.func.lead(a.approved_at).over(partition_by=a.person_id,
                                                        order_by=(a.approved_at, a.id))
                       .label("until"))
             .where(a.person_id.in_(approved_here), a.approved_at < max(ends))
             .subquery("spans"))
    return sa.select(*[
        sa.func.coalesce(sa.func.sum(sa.case(
            (sa.and_(spans.c.approved_at < end,
                     sa.or_(spans.c.until.is_(None), spans.c.until >= end)), spans.c.hours),
            else_=0)), 0).label(f"released_{i}")
        for i, end in enumerate(ends)]).where(spans.c.organisation_id == org_id).subquery(
            "released")


def _by_month(org_id: int, keys: list[str]) -> sa.Select[Any]:
    """One row: the minutes given each month, then the hours released each month."""
    given, released = _given_row(org_id, keys), _released_row(org_id, keys)
    return sa.select(given, released).select_from(given.join(released, sa.true()))


def _month_rows(keys: list[str], row: Any) -> list[MonthHours]:
    given, released = row[:len(keys)], row[len(keys):2 * len(keys)]
    return [MonthHours(k, int(g or 0), int(r or 0))
            for k, g, r in zip(keys, given, released, strict=True)]


def hours_by_month(org_id: int, months: int = 6, today: date | None = None) -> list[MonthHours]:
    """The organisation's staff: hours given per month (UK calendar months) against the
    protected time released, in one query."""
    keys = _months(max(1, min(months, 24)), today or local_today())
    return _month_rows(keys, db.session.execute(_by_month(org_id, keys)).one())


def released_by_month(org_id: int, keys: list[str]) -> dict[str, int]:
    """Hours a month the organisation had released for its coaches at the end of each month
    ("YYYY-MM", ``keys`` newest first, UK calendar months): per coach, the last approval the
    organisation recorded before the month ended (a former coach's last is the 0 recorded
    when the role was removed). One query: each approval holds from its time until the
    person's next approval, and each month sums those holding at its end."""
    if not keys:
        return {}
    row = db.session.execute(sa.select(_released_row(org_id, keys))).one()
    return {k: int(v or 0) for k, v in zip(keys, row, strict=True)}


def _released_now(org_id: int) -> sa.Select[Any]:
    """The sum of the organisation's coaches' approved hours, each capped by what they offer."""
    return org_coaches(org_id).with_only_columns(sa.func.coalesce(sa.func.sum(
        sa.case((CoachProfile.approved_hours.is_(None), 0),
                else_=sa.func.min(CoachProfile.approved_hours, CoachProfile.capacity_hours)
                if db.engine.dialect.name == "sqlite"
                else sa.func.least(CoachProfile.approved_hours, CoachProfile.capacity_hours))),
        0)).order_by(None)


def released_hours(org_id: int) -> int:
    """Protected time approved now for the organisation's coaches (capped by what they offer)."""
    return int(db.session.scalar(_released_now(org_id)) or 0)


@dataclass
class OrgDashboard:
    coaches: Pagination          # a page of the organisation's coach profiles, with people
    given: dict[int, int]        # person id -> minutes given this month (coaches on the page)
    history: list[MonthHours]    # newest month first
    released: int                # hours a month approved now, capped by what each offers


def org_dashboard(org_id: int, page: int = 1, per_page: int = 25, months: int = 6
                  ) -> OrgDashboard:
    """What the organisation admin's dashboard shows, in three queries whatever the number
    of coaches, months, approvals or transfers: a page of coaches, what they gave this month
    (none when the page is empty), and one row of the organisation's figures (hours given
    and released by month, released now, the number of coaches)."""
    coaches = db.paginate(org_coaches(org_id), page=page, per_page=per_page, error_out=False,
                          count=False)
    keys = _months(max(1, min(months, 24)), local_today())
    count = org_coaches(org_id).with_only_columns(sa.func.count()).order_by(None)
    row = db.session.execute(_by_month(org_id, keys).add_columns(
        _released_now(org_id).scalar_subquery(), count.scalar_subquery())).one()
    coaches.total = int(row[-1] or 0)
    return OrgDashboard(
        coaches=coaches, history=_month_rows(keys, row), released=int(row[-2] or 0),
        given=given_by_person([p.person_id for p in coaches.items], local_month_start()))
