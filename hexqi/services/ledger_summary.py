"""The hours summary: posted hours given, summed per month (``HoursSummary`` rows).

Hours given are session and training transfers, and negatively their reversals (whose
accounts are swapped, so the giver is a reversal's *debit* side), as ``docs/reports.md``
defines them. Each counts in one row keyed by

* the month it was posted (``created_at``),
* the month the hours were given (the session's or training event's start; the posted
  month when a session transfer has no session),
* the giver and receiver accounts, the kind (a reversal takes the kind it undoes) and the
  source: the session's match, or the training event (0 when there is none).

``record`` adds a transfer as ``post`` appends it, in the same transaction (an upsert;
posting already holds the ledger head lock, and the upsert is atomic on its own).
:class:`Tally` sums transfers the same way in Python: ``verify`` compares it with the
stored rows and ``rebuild`` replaces the rows with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hexqi.extensions import db
from hexqi.models import (
    CoachingSession,
    HoursSummary,
    PendingTransfer,
    TrainingEvent,
    Transfer,
)

HOURS_KINDS = ("session", "training")
KEY = ("posted_month", "given_month", "giver_account_id", "receiver_account_id", "kind",
       "source_id")
Key = tuple[date, date, int, int, str, int]
Sums = tuple[int, int, int]  # minutes (net), transfers, reversals
BATCH = 2000


def month_of(at: datetime | date) -> date:
    """The first day of ``at``'s month (stored times are naive UTC)."""
    return date(at.year, at.month, 1)


def _kind(value: Any) -> str:
    return str(getattr(value, "value", value))


def _source(kind: str, pending_id: int | None, training_event_id: int | None
            ) -> tuple[int, datetime | None]:
    """(match or training event id, when the hours were given) of one transfer of hours."""
    if kind == "session":
        row = db.session.execute(
            sa.select(CoachingSession.match_id, CoachingSession.starts_at)
            .join(PendingTransfer, PendingTransfer.session_id == CoachingSession.id)
            .where(PendingTransfer.id == pending_id)).first()
        return (row[0], row[1]) if row else (0, None)
    starts_at = None
    if training_event_id is not None:
        starts_at = db.session.scalar(
            sa.select(TrainingEvent.starts_at).where(TrainingEvent.id == training_event_id))
    return (training_event_id or 0, starts_at)


def record(row: Transfer) -> None:
    """Add a transfer that was just appended (inside its posting transaction)."""
    kind, pending_id, event_id = _kind(row.kind), row.pending_id, row.training_event_id
    sign, giver, receiver, first_posted = (
        1, row.credit_account_id, row.debit_account_id, row.created_at)
    if kind == "reversal":
        original = db.session.execute(
            sa.select(sa.type_coerce(Transfer.kind, sa.String), Transfer.pending_id,
                      Transfer.training_event_id, Transfer.created_at)
            .where(Transfer.id == row.reverses_id)).one()
        kind, pending_id, event_id, first_posted = original
        sign, giver, receiver = -1, row.debit_account_id, row.credit_account_id
    if kind not in HOURS_KINDS:
        return
    source_id, given_at = _source(kind, pending_id, event_id)
    add([{"posted_month": month_of(row.created_at),
          "given_month": month_of(given_at or first_posted), "giver_account_id": giver,
          "receiver_account_id": receiver, "kind": kind, "source_id": source_id,
          "minutes": sign * row.minutes, "transfers": int(sign > 0), "reversals": int(sign < 0)}])


def add(rows: list[dict[str, Any]]) -> None:
    """Add ``rows`` (summary keys with minutes, transfers and reversals) to the stored sums."""
    if not rows:
        return
    table = HoursSummary.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(KEY),
        set_={"minutes": table.c.minutes + stmt.excluded.minutes,
              "transfers": table.c.transfers + stmt.excluded.transfers,
              "reversals": table.c.reversals + stmt.excluded.reversals})
    for start in range(0, len(rows), BATCH):
        db.session.execute(stmt, rows[start:start + BATCH])


class Tally:
    """The summary summed in Python from transfers fed in id order (``add``)."""

    def __init__(self) -> None:
        p, s = PendingTransfer.__table__.c, CoachingSession.__table__.c
        self.sessions: dict[int, tuple[int, datetime]] = {
            pending_id: (match_id, starts_at) for pending_id, match_id, starts_at in
            db.session.execute(
                sa.select(p.id, s.match_id, s.starts_at)
                .select_from(PendingTransfer.__table__.join(CoachingSession.__table__,
                                                            s.id == p.session_id)))}
        self.events: dict[int, datetime] = {
            event_id: starts_at for event_id, starts_at in db.session.execute(
                sa.select(TrainingEvent.id, TrainingEvent.starts_at))}
        # transfer id -> (kind, source id, given month) of every transfer of hours seen
        self.hours: dict[int, tuple[str, int, date]] = {}
        self.sums: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])

    def add(self, transfer_id: int, kind: str, debit_id: int, credit_id: int, minutes: int,
            created_at: datetime, pending_id: int | None, training_event_id: int | None,
            reverses_id: int | None) -> None:
        if kind in HOURS_KINDS:
            if kind == "session":
                source_id, given_at = self.sessions.get(pending_id or 0, (0, None))
            else:
                source_id = training_event_id or 0
                given_at = self.events.get(source_id)
            source = (kind, source_id, month_of(given_at or created_at))
            self.hours[transfer_id] = source
            sign, giver, receiver = 1, credit_id, debit_id
        elif kind == "reversal" and reverses_id in self.hours:
            source = self.hours[reverses_id]
            sign, giver, receiver = -1, debit_id, credit_id
        else:
            return
        kind_of, source_id, given_month = source
        sums = self.sums[(month_of(created_at), given_month, giver, receiver, kind_of,
                          source_id)]
        sums[0] += sign * (minutes or 0)
        sums[1 if sign > 0 else 2] += 1

    def rows(self) -> dict[Key, Sums]:
        return {key: (m, n, r) for key, (m, n, r) in self.sums.items()}


def stored() -> dict[Key, Sums]:
    """The stored summary: key -> (minutes, transfers, reversals)."""
    c = HoursSummary.__table__.c
    return {(posted, given, giver, receiver, kind, source): (int(m), int(n), int(r))
            for posted, given, giver, receiver, kind, source, m, n, r in db.session.execute(
                sa.select(c.posted_month, c.given_month, c.giver_account_id,
                          c.receiver_account_id, c.kind, c.source_id, c.minutes, c.transfers,
                          c.reversals))}


def tally_transfers() -> Tally:
    """Every transfer summed into a :class:`Tally` (one streamed pass in id order)."""
    tally = Tally()
    c = Transfer.__table__.c
    stmt = (sa.select(c.id, sa.type_coerce(c.kind, sa.String), c.debit_account_id,
                      c.credit_account_id, c.minutes, c.created_at, c.pending_id,
                      c.training_event_id, c.reverses_id)
            .order_by(c.id).execution_options(yield_per=5000))
    for row in db.session.execute(stmt):
        tally.add(*row)
    return tally


def replace_all(rows: Iterable[tuple[Key, Sums]]) -> int:
    """Delete every stored row and store ``rows`` instead (the caller holds the ledger lock
    and commits); returns how many rows were stored."""
    db.session.execute(sa.delete(HoursSummary))
    out = [dict(zip(KEY, key, strict=True), minutes=m, transfers=n, reversals=r)
           for key, (m, n, r) in rows]
    add(out)
    return len(out)


def differences(expected: dict[Key, Sums], found: dict[Key, Sums]) -> list[str]:
    """What differs between the summary summed from the transfers and the stored one."""
    out = []
    for key in sorted(expected.keys() | found.keys()):
        want, have = expected.get(key), found.get(key)
        if want == have:
            continue
        posted, given, giver, receiver, kind, source = key
        where = (f"posted {posted:%Y-%m}, given {given:%Y-%m}, accounts {giver} to "
                 f"{receiver}, {kind} {source}")
        if have is None:
            out.append(f"the hours summary has no row for {where}, but the transfers hold "
                       f"{_sums_text(want)}")
        elif want is None:
            out.append(f"the hours summary has a row for {where} ({_sums_text(have)}) that "
                       "no transfer accounts for")
        else:
            out.append(f"the hours summary says {_sums_text(have)} for {where}, but the "
                       f"transfers hold {_sums_text(want)}")
    return out


def _sums_text(sums: Sums | None) -> str:
    minutes, transfers, reversals = sums or (0, 0, 0)
    return f"{minutes} minutes in {transfers} transfers and {reversals} reversals"
