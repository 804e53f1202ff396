"""Posting to the ledger: transactions, locks and the one place a transfer row is written.

Every writing ledger function runs inside ``transaction`` (commit on success, roll
back and re-raise on failure, retry lock conflicts) and starts with ``begin_write``.
Locks are always taken in one order - session or pending row, then the debit
account, then ``ledger_head`` - so two ledger writers never deadlock on each other.
Hours given are added to the monthly ``hours_summary`` as the transfer is appended.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from hexqi.extensions import db
from hexqi.models import Account, LedgerHead, Transfer, TransferKind, utcnow
from hexqi.services.errors import Conflict, DomainError, InvalidInput
from hexqi.services.ledger_accounts import check_floor, is_sqlite
from hexqi.services.ledger_chain import transfer_hash
from hexqi.services.ledger_summary import record as record_hours

MAX_SESSION_MINUTES = 12 * 60
MAX_TRANSFER_MINUTES = 1_000_000
_ATTEMPTS = 5
P = ParamSpec("P")
R = TypeVar("R")


class CommitThenRaise(Exception):  # noqa: N818 - internal control flow, never escapes
    """Keep what was changed (e.g. marking hours expired), then raise ``error``."""

    def __init__(self, error: DomainError) -> None:
        self.error = error


# -- transactions ------------------------------------------------------------------------------

def _retryable(exc: BaseException) -> bool:
    if not isinstance(exc, OperationalError | IntegrityError):
        return False
    # 40001 serialisation failure, 40P01 deadlock, 55P03 lock not available, 23505 unique race.
    if getattr(exc.orig, "sqlstate", None) in {"40001", "40P01", "55P03", "23505"}:
        return True
    text = str(exc.orig).lower()
    return "database is locked" in text or "unique constraint failed" in text


def transaction(fn: Callable[P, R]) -> Callable[P, R]:
    """Commit on success; roll back and re-raise on failure; retry lock conflicts."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                result = fn(*args, **kwargs)
                db.session.commit()
                return result
            except CommitThenRaise as keep:
                db.session.commit()
                raise keep.error from None
            except Exception as exc:
                db.session.rollback()
                if attempt < _ATTEMPTS and _retryable(exc):
                    time.sleep(random.uniform(0.005, 0.03) * attempt)
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper


def begin_write() -> None:
    """On SQLite take the database write lock now (a no-op write), so reads that follow see
    the latest committed state and no other writer interleaves. PostgreSQL uses row locks."""
    if is_sqlite():
        db.session.execute(sa.text("UPDATE ledger_head SET last_hash = last_hash WHERE id = 1"))


def lock_row(model: Any, row_id: int | None) -> Any:
    """Load a row fresh from the database, locked FOR NO KEY UPDATE on PostgreSQL."""
    if row_id is None:
        return None
    stmt = (sa.select(model).where(model.id == row_id).with_for_update(key_share=True)
            .execution_options(populate_existing=True))
    return db.session.scalar(stmt)


def when_or_now(at: datetime | None) -> datetime:
    if at is None:
        return utcnow()
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at


def check_minutes(minutes: Any, limit: int = MAX_TRANSFER_MINUTES) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise InvalidInput("Minutes must be a whole number.", "minutes")
    if minutes <= 0:
        raise InvalidInput("Minutes must be more than zero.", "minutes")
    if minutes > limit:
        raise InvalidInput(f"That is more than {limit // 60} hours at once.", "minutes")
    return minutes


# -- posting -----------------------------------------------------------------------------------

def post(debit: Account, credit: Account, minutes: int, kind: TransferKind,
         actor_id: int | None, idempotency_key: str, memo: str, at: datetime | None, *,
         pending_id: int | None = None, reverses_id: int | None = None,
         training_event_id: int | None = None, enforce_floor: bool = True,
         exclude_pending_id: int | None = None) -> Transfer:
    """Append one transfer to the chain (the caller is inside ``transaction``)."""
    check_minutes(minutes)
    if debit.id == credit.id:
        raise InvalidInput("A transfer needs two different accounts.")
    if not idempotency_key or len(idempotency_key) > 120:
        raise InvalidInput("A transfer needs an idempotency key of 1 to 120 characters.")
    memo = memo or ""
    if len(memo) > 300:
        raise InvalidInput("The note is too long (300 characters at most).", "memo")
    lock_row(Account, debit.id)
    head = lock_row(LedgerHead, 1)
    content = dict(debit_account_id=debit.id, credit_account_id=credit.id, minutes=minutes,
                   kind=kind, pending_id=pending_id, reverses_id=reverses_id,
                   training_event_id=training_event_id, memo=memo)
    existing = db.session.scalar(
        sa.select(Transfer).where(Transfer.idempotency_key == idempotency_key))
    if existing is not None:
        if all(getattr(existing, name) == value for name, value in content.items()):
            return existing
        raise Conflict(f"Transfer {existing.id} already used the key {idempotency_key!r} "
                       "for a different movement of hours.")
    if enforce_floor:
        check_floor(debit, minutes, exclude_pending_id)
    # The id is assigned here, under the head lock, so the hash can cover it: a transfer row
    # can never be updated after it is inserted. Only this function inserts transfers.
    row = Transfer(id=(head.last_transfer_id or 0) + 1, created_by_id=actor_id,
                   created_at=when_or_now(at), idempotency_key=idempotency_key,
                   prev_hash=head.last_hash, **content)
    row.hash = transfer_hash(row)
    db.session.add(row)
    db.session.flush()
    head.last_transfer_id, head.last_hash = row.id, row.hash
    record_hours(row)  # the monthly hours summary moves in the same transaction
    db.session.flush()
    return row
