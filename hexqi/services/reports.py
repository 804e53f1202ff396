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
import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from hexqi.extensions import db
from hexqi.models import (
    Account,
    CoachingSession,
    HoursSummary,
    Organisation,
    PendingTransfer,
    Person,
    Team,
    Tier,
    TierChange,
    Transfer,
    TransferKind,
    utcnow,
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


@functools.cache
def alias(entity: Any, name: str) -> Any:
    """``aliased(entity, name=name)``, made once: an alias of a wide table costs a few
    milliseconds to build, and a report page would otherwise build dozens."""
    return aliased(entity, name=name)


@functools.cache
def account_orgs(name: str = "account_orgs") -> Any:
    """Every account with the organisation its owner belongs to (person, team or organisation)
    (a subquery, made once per name)."""
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
    t = alias(Transfer, "t")
    original = alias(Transfer, "original")
    reversal = t.kind == TransferKind.REVERSAL
    giver_acc = account_orgs("giver_acc")
    receiver_acc = account_orgs("receiver_acc")
    giver = alias(Organisation, "giver_org")
    receiver = alias(Organisation, "receiver_org")
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


@dataclass(frozen=True)
class MonthSplit:
    """How a period is read from the monthly hours summary and from the ledger.

    Months ``first`` to ``last`` (first days; none when ``first`` is None) are read whole
    from ``hours_summary``. Each of ``ranges`` is [start, end) of detail rows in one partial
    month, added (sign +1) or, when the summary's whole month was read instead, taken
    away (sign -1): at most the two partial months at the ends of the period.
    """

    first: date | None
    last: date | None
    ranges: tuple[tuple[datetime, datetime, int, date], ...]


def split_months(period: Period, today: date | None = None) -> MonthSplit:
    """Whole months from the summary; a partial month from its own days in the ledger, or
    from the summary less the days outside the period, whichever holds fewer days up to
    ``today`` (UTC; days after it hold nothing yet, so a period ending today reads this
    month from the summary). Exact either way: only the cost depends on the choice."""
    horizon = datetime.combine((today or utcnow().date()) + timedelta(days=1),
                               datetime.min.time())

    def days(start: datetime, end: datetime) -> float:
        return max(0.0, (min(end, horizon) - start).total_seconds() / 86400)

    whole: list[date] = []
    ranges: list[tuple[datetime, datetime, int, date]] = []
    for y, m in period.months():
        month = date(y, m, 1)
        following = add_months(month, 1)
        m_start, m_end = datetime(y, m, 1), datetime(following.year, following.month, 1)
        lo, hi = max(m_start, period.starts_at), min(m_end, period.ends_before)
        if (lo, hi) == (m_start, m_end):
            whole.append(month)
        elif days(m_start, lo) + days(hi, m_end) < days(lo, hi):
            whole.append(month)
            ranges += [(a, b, -1, month) for a, b in ((m_start, lo), (hi, m_end)) if a < b]
        else:
            ranges.append((lo, hi, 1, month))
    return MonthSplit(whole[0] if whole else None, whole[-1] if whole else None,
                      tuple(ranges))


def in_ranges(column: Any, split: MonthSplit) -> tuple[Any, Any, Any]:
    """(row is in one of the ranges, its sign, its month) as SQL expressions on ``column``."""
    conds = [sa.and_(column >= lo, column < hi) for lo, hi, _sign, _month in split.ranges]
    sign = sa.case(*((c, r[2]) for c, r in zip(conds, split.ranges, strict=True)), else_=0)
    month = sa.case(*((c, sa.literal(r[3], sa.Date)) for c, r in
                      zip(conds, split.ranges, strict=True)))
    return sa.or_(*conds), sign, month


def posted_hours(period: Period, source: bool = False) -> Any:
    """Hours given posted in ``period``, as rows to sum (a subquery): giver_account_id,
    receiver_account_id, kind (session or training), month (first day of the month posted),
    minutes (net of reversals), transfers (how many transfers and reversals: summed over a
    group it is exactly the number posted in the period, so a group with none can be left
    out) and source_id (the session's match or the training event; 0 if none) when
    ``source``.

    Whole months come from ``hours_summary`` (a few rows per match and month); partial
    months at the ends from ``transfers`` (:func:`split_months`). What counts is as in
    :func:`hours_given`.
    """
    split = split_months(period)
    hs = HoursSummary
    branches = []
    if split.first is not None:
        branches.append(
            sa.select(hs.giver_account_id, hs.receiver_account_id, hs.kind,
                      *([hs.source_id] if source else []), hs.posted_month.label("month"),
                      hs.minutes, (hs.transfers + hs.reversals).label("transfers"))
            .where(hs.posted_month >= split.first, hs.posted_month <= split.last))
    if split.ranges:
        t = alias(Transfer, "t")
        original = alias(Transfer, "original")
        inside, sign, month = in_ranges(t.created_at, split)

        def detail(of: Any, giver: Any, receiver: Any, signed: Any) -> Any:
            """``of``'s kind and source; ``signed`` minutes (a reversal's are negative)."""
            kind = sa.type_coerce(of.kind, sa.String)
            source_id = sa.case(
                (of.kind == TransferKind.SESSION, sa.func.coalesce(CoachingSession.match_id, 0)),
                else_=sa.func.coalesce(of.training_event_id, 0))
            stmt = sa.select(giver.label("giver_account_id"),
                             receiver.label("receiver_account_id"), kind.label("kind"),
                             *([source_id.label("source_id")] if source else []),
                             month.label("month"), (signed * t.minutes).label("minutes"),
                             sign.label("transfers")).select_from(t)
            if of is original:
                stmt = stmt.join(original, original.id == t.reverses_id)
            if source:
                stmt = (stmt.outerjoin(PendingTransfer, PendingTransfer.id == of.pending_id)
                        .outerjoin(CoachingSession,
                                   CoachingSession.id == PendingTransfer.session_id))
            return stmt.where(inside, of.kind.in_(HOURS_KINDS))

        branches.append(detail(t, t.credit_account_id, t.debit_account_id, sign))
        branches.append(detail(original, t.debit_account_id, t.credit_account_id, -sign)
                        .where(t.kind == TransferKind.REVERSAL))
    if not branches:  # an empty period cannot happen (a period has at least one day)
        raise ValueError("a period needs at least one month")
    return (sa.union_all(*branches) if len(branches) > 1 else branches[0]).subquery("posted")


def _given_by_accounts(period: Period, by_month: bool) -> Any:
    """Hours given summed per (giver account, receiver account, kind): a subquery, with a
    column of minutes per month of the period when ``by_month``.

    Summing first, and only then looking up whose accounts they are, keeps the joins to
    people, teams and organisations to a few rows per account pair.
    """
    rows = posted_hours(period)
    keys = [rows.c.giver_account_id, rows.c.receiver_account_id,
            rows.c.kind.label("source_kind")]
    sums = [sa.func.sum(rows.c.minutes).label("minutes")]
    if by_month:  # one column per month: a sum, not a group key, so no sort is needed
        for i, (y, m) in enumerate(period.months()):
            inside = rows.c.month == sa.literal(date(y, m, 1), sa.Date)
            sums.append(sa.func.sum(sa.case((inside, rows.c.minutes), else_=0)).label(f"m{i}"))
    # only pairs with a transfer in the period (one whose transfers cancel out stays, at 0)
    return (sa.select(*keys, *sums).group_by(*keys)
            .having(sa.func.sum(rows.c.transfers) > 0).subquery("given_raw"))


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
    giver = alias(Organisation, "giver_org")
    receiver = alias(Organisation, "receiver_org")
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
