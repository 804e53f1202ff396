"""Reports for system leads: shared pieces (periods, tables, hours, the hours-given rows).

Every report is built from one or a few aggregate queries (GROUP BY in the database);
Python only arranges the aggregated rows into tables. A :class:`Table` is what a page
shows beside its chart *and* what the CSV export writes, so the two never disagree.

The report builders live in ``reports_hours``, ``reports_pipeline``, ``reports_impact``
and ``reports_sustainability``; :data:`CSV_TABLES` (in ``reports_catalogue``) maps each
CSV name to the function that builds its table. The definitions are in ``docs/reports.md``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from hexqi.extensions import db
from hexqi.models import (
    Account,
    Organisation,
    Person,
    Team,
    Tier,
    TierChange,
    Transfer,
    TransferKind,
)
from hexqi.services.errors import InvalidInput
from hexqi.timefmt import format_date, local_today

MAX_PERIOD_DAYS = 5 * 366
HOURS_KINDS = (TransferKind.SESSION, TransferKind.TRAINING)
TWO_PLACES = Decimal("0.01")


def hours(minutes: int | float | Decimal | None) -> Decimal:
    """Minutes as hours, rounded half-up to 2 decimals: the one rounding every report uses."""
    if not minutes:
        return Decimal("0.00")
    value = minutes if isinstance(minutes, Decimal) else Decimal(minutes)
    return (value / 60).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def share(part: int | float, whole: int | float) -> Decimal | None:
    """``part / whole`` as a fraction with 4 decimals, or None when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def percent(fraction: Decimal | None) -> str:
    return "n/a" if fraction is None else f"{(fraction * 100).quantize(Decimal('0.1'))}%"


# --- periods ----------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    """A range of whole days, both ends included (UTC dates)."""

    start: date
    end: date

    @classmethod
    def default(cls, today: date | None = None) -> Period:
        """The last 6 months: this calendar month and the five before it (UK dates)."""
        today = today or local_today()
        return cls(add_months(today.replace(day=1), -5), today)

    @classmethod
    def parse(cls, start: str | date | None, end: str | date | None,
              today: date | None = None) -> Period:
        """A period from two ISO dates; a missing end is today, a missing start 6 months back."""
        default = cls.default(today)
        first = _date(start, "from") or (None if end else default.start)
        last = _date(end, "to") or default.end
        if first is None:
            first = add_months(last.replace(day=1), -5)
        if first > last:
            raise InvalidInput("The start date must be on or before the end date.", field="from")
        if (last - first).days > MAX_PERIOD_DAYS:
            raise InvalidInput("Choose a period of at most 5 years.", field="from")
        return cls(first, last)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time())

    @property
    def ends_before(self) -> datetime:
        """The first instant after the period (the end date is included)."""
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time())

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every calendar month the period touches, in order."""
        out, cursor = [], self.start.replace(day=1)
        while cursor <= self.end:
            out.append((cursor.year, cursor.month))
            cursor = add_months(cursor, 1)
        return out

    def query_args(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    def label(self) -> str:
        return f"{format_date(self.start)} to {format_date(self.end)}"


def _date(value: str | date | None, field_name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("Enter a date like 2025-01-31.", field=field_name) from None


def month_label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


# --- tables -----------------------------------------------------------------------------------


@dataclass
class Table:
    """A report table: what the page shows and, cell for cell, what its CSV export holds."""

    name: str  # the CSV name: /reports/<name>.csv
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""

    @property
    def empty(self) -> bool:
        return not self.rows


def cell_text(value: Any) -> str:
    """How a cell is written, on the page and in the CSV alike."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value.as_tuple().exponent == -2 else str(value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


# --- the system's organisations and the hours-given rows ---------------------------------------


def system_id_of(person: Person) -> int:
    return person.organisation.system_id


def organisations(system_id: int) -> list[Organisation]:
    return list(db.session.scalars(
        sa.select(Organisation).where(Organisation.system_id == system_id)
        .order_by(Organisation.name)))


def account_orgs(name: str = "account_orgs") -> Any:
    """Every account with the organisation its owner belongs to (person, team or organisation)."""
    return (
        sa.select(
            Account.id.label("account_id"),
            Account.person_id.label("person_id"),
            Account.team_id.label("team_id"),
            sa.func.coalesce(Person.organisation_id, Team.organisation_id,
                             Account.organisation_id).label("organisation_id"),
        )
        .outerjoin(Person, Person.id == Account.person_id)
        .outerjoin(Team, Team.id == Account.team_id)
        .subquery(name)
    )


def hours_given(system_id: int, period: Period) -> Any:
    """One row per posted transfer that counts as hours given in ``period`` (a subquery).

    Session and training transfers count: the credit side is the coach (giver), the debit
    side the team or host organisation (receiver). A reversal of a session or training
    transfer counts negatively for the original pair: its own accounts are swapped, so its
    giver is its *debit* side. Donations and adjustments are not hours given. Both
    organisations must belong to the system. The transfer's ``created_at`` (when it was
    posted) places it in the period.
    """
    t = aliased(Transfer, name="t")
    original = aliased(Transfer, name="original")
    reversal = t.kind == TransferKind.REVERSAL
    giver_acc = account_orgs("giver_acc")
    receiver_acc = account_orgs("receiver_acc")
    giver = aliased(Organisation, name="giver_org")
    receiver = aliased(Organisation, name="receiver_org")
    giver_side = sa.case((reversal, t.debit_account_id), else_=t.credit_account_id)
    receiver_side = sa.case((reversal, t.credit_account_id), else_=t.debit_account_id)
    return (
        sa.select(
            t.id.label("transfer_id"),
            t.created_at.label("at"),
            sa.case((reversal, -t.minutes), else_=t.minutes).label("minutes"),
            sa.func.coalesce(original.kind, t.kind).label("source_kind"),
            sa.func.coalesce(original.pending_id, t.pending_id).label("pending_id"),
            sa.func.coalesce(original.training_event_id, t.training_event_id)
            .label("training_event_id"),
            giver_acc.c.person_id.label("giver_person_id"),
            receiver_acc.c.team_id.label("receiver_team_id"),
            giver.id.label("giver_org_id"),
            giver.name.label("giver_name"),
            giver.kind.label("giver_kind"),
            giver.locality.label("giver_locality"),
            receiver.id.label("receiver_org_id"),
            receiver.name.label("receiver_name"),
            receiver.kind.label("receiver_kind"),
            receiver.locality.label("receiver_locality"),
        )
        .select_from(t)
        .outerjoin(original, original.id == t.reverses_id)
        .join(giver_acc, giver_acc.c.account_id == giver_side)
        .join(receiver_acc, receiver_acc.c.account_id == receiver_side)
        .join(giver, giver.id == giver_acc.c.organisation_id)
        .join(receiver, receiver.id == receiver_acc.c.organisation_id)
        .where(
            t.created_at >= period.starts_at,
            t.created_at < period.ends_before,
            sa.or_(t.kind.in_(HOURS_KINDS),
                   sa.and_(reversal, original.kind.in_(HOURS_KINDS))),
            giver.system_id == system_id,
            receiver.system_id == system_id,
        )
        .subquery("hours_given")
    )


# --- the hours-given rows, summed once per page ----------------------------------------------


class OrgRef(NamedTuple):
    id: int
    name: str
    kind: str
    locality: str | None


class Flow(NamedTuple):
    """Minutes given from one organisation to another, summed in the database.

    ``source_kind`` is session or training (a reversal counts under the kind it undoes).
    ``by_month`` (when asked for) splits ``minutes`` over ``Period.months()``, in order;
    ``learn`` (the giver was once in the Learn tier) and ``receiver_team_id`` are set when
    asked for in detail.
    """

    giver: OrgRef
    receiver: OrgRef
    source_kind: str
    minutes: int
    by_month: tuple[int, ...] = ()
    learn: bool = False
    receiver_team_id: int | None = None


def _month_bounds(period: Period) -> list[tuple[datetime, datetime]]:
    """[start, end) of each month of the period, as in :meth:`Period.months`."""
    out = []
    for y, m in period.months():
        following = add_months(date(y, m, 1), 1)
        out.append((datetime(y, m, 1), datetime(following.year, following.month, 1)))
    return out


def _given_by_accounts(period: Period, by_month: bool) -> Any:
    """Hours given summed per (giver account, receiver account, kind): a subquery, with a
    column of minutes per month of the period when ``by_month``.

    Summing the transfers first, and only then looking up whose accounts they are, keeps
    the work on the (large) transfers table to one pass over the period's rows. Reversals
    are a separate, small branch: their accounts are swapped and they count negatively.
    """
    t = aliased(Transfer, name="t")
    original = aliased(Transfer, name="original")
    in_period = (t.created_at >= period.starts_at, t.created_at < period.ends_before)

    def keys(giver: Any, receiver: Any, kind: Any) -> list[Any]:
        return [giver.label("giver_account_id"), receiver.label("receiver_account_id"),
                kind.label("source_kind")]

    def sums(sign: int) -> list[Any]:
        out = [(sign * sa.func.sum(t.minutes)).label("minutes")]
        if by_month:  # one column per month: a sum, not a group key, so no sort is needed
            for i, (start, end) in enumerate(_month_bounds(period)):
                inside = sa.and_(t.created_at >= start, t.created_at < end)
                out.append((sign * sa.func.sum(sa.case((inside, t.minutes), else_=0)))
                           .label(f"m{i}"))
        return out

    plain = keys(t.credit_account_id, t.debit_account_id, t.kind)
    undone = keys(t.debit_account_id, t.credit_account_id, original.kind)
    return sa.union_all(
        sa.select(*plain, *sums(1))
        .where(*in_period, t.kind.in_(HOURS_KINDS))
        .group_by(*plain),
        sa.select(*undone, *sums(-1))
        .select_from(t).join(original, original.id == t.reverses_id)
        .where(*in_period, t.kind == TransferKind.REVERSAL, original.kind.in_(HOURS_KINDS))
        .group_by(*undone),
    ).subquery("given_raw")


def flows(system_id: int, period: Period, by_month: bool = False,
          detail: bool = False) -> list[Flow]:
    """The period's hours given between the system's organisations: one GROUP BY query
    (and one for the organisations' names).

    Every hours report derives its table from these few rows (at most one per pair of
    organisations, kind and month), so a page sums the ledger once however many tables
    it shows. What counts is as in :func:`hours_given`.
    """
    raw = _given_by_accounts(period, by_month)
    n_months = len(period.months()) if by_month else 0
    giver_acc = account_orgs("giver_acc")
    receiver_acc = account_orgs("receiver_acc")
    giver = aliased(Organisation, name="giver_org")
    receiver = aliased(Organisation, name="receiver_org")
    # plain values only (ids, the kind as text): a page may read a few thousand of these rows
    keys: list[Any] = [giver.id, receiver.id, sa.type_coerce(raw.c.source_kind, sa.String)]
    if detail:
        learners = sa.select(Person.id.label("person_id")).where(_once_learn()) \
            .subquery("learners")
        keys += [learners.c.person_id.is_not(None), receiver_acc.c.team_id]
    stmt = (
        sa.select(*keys, sa.func.sum(raw.c.minutes),
                  *(sa.func.sum(raw.c[f"m{i}"]) for i in range(n_months)))
        .select_from(raw)
        .join(giver_acc, giver_acc.c.account_id == raw.c.giver_account_id)
        .join(receiver_acc, receiver_acc.c.account_id == raw.c.receiver_account_id)
        .join(giver, giver.id == giver_acc.c.organisation_id)
        .join(receiver, receiver.id == receiver_acc.c.organisation_id)
        .where(giver.system_id == system_id, receiver.system_id == system_id)
        .group_by(*keys)
    )
    if detail:
        stmt = stmt.outerjoin(learners, learners.c.person_id == giver_acc.c.person_id)
    out = []
    orgs = {row[0]: OrgRef(*row) for row in db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.kind, Organisation.locality)
        .where(Organisation.system_id == system_id))}
    n_keys = len(keys)
    for row in db.session.execute(stmt):
        giver_id, receiver_id, kind = row[0], row[1], row[2]
        learn, team_id = (bool(row[3]), row[4]) if detail else (False, None)
        sums = [int(x) for x in row[n_keys:]]
        out.append(Flow(orgs[giver_id], orgs[receiver_id], kind, sums[0], tuple(sums[1:]),
                        learn, team_id))
    return out


def _once_learn() -> sa.ColumnElement[bool]:
    """The person was in the Learn tier at some time (a TierChange from or to Learn, or now)."""
    return sa.or_(
        Person.tier == Tier.LEARN,
        sa.exists().where(TierChange.person_id == Person.id,
                          sa.or_(TierChange.from_tier == Tier.LEARN,
                                 TierChange.to_tier == Tier.LEARN)),
    )
