"""The timebank ledger: accounts, session hours, gifts, training, reversals.

Rules (the README's "timebank rules" in code):

* One hour given earns one hour of credit. Every person, team, organisation and
  system has an account; balances are never stored, they are the sum of the
  posted transfers (credits minus debits). An organisation's position is its own
  account plus its people's and teams' accounts, computed on demand.
* A transfer is one immutable row (the database refuses UPDATE and DELETE). A
  mistake is corrected by a reversal that points at the original; a transfer is
  reversed at most once and a reversal is never reversed.
* Session hours wait as a *pending* transfer until the other party confirms;
  confirming posts exactly once (confirming again returns the same transfer).
  Declined or expired pending hours never post.
* An account may go negative down to its system's credit floor; pending debits
  count against it. Reversals, adjustments and the system's own account are
  exempt: a reversal undoes a mistake (refusing it would lock the mistake in),
  and adjustments are system leads' corrections.

Concurrency: every writing function first serialises writers on SQLite (a no-op
write on ``ledger_head`` takes the database's write lock) and on PostgreSQL
takes row locks in one fixed order - session or pending row, then the debit
account (``FOR NO KEY UPDATE``, which does not block the foreign-key share locks
other inserts take), then ``ledger_head``. Balances are read after the locks, so
the floor holds and a pending posts once. Deadlocks, serialisation failures and
lock time-outs are retried a few times. Each public function commits on success
and rolls back (leaving the database as it was) on failure.
"""

from __future__ import annotations

import functools
import random
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from hexqi.extensions import db
from hexqi.models import (
    Account,
    AccountKind,
    CoachingSession,
    LedgerHead,
    MatchStatus,
    Organisation,
    PendingStatus,
    PendingTransfer,
    Person,
    Role,
    SessionStatus,
    System,
    Team,
    TeamMember,
    TrainingEvent,
    Transfer,
    TransferKind,
    utcnow,
)
from hexqi.services.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from hexqi.services.ledger_chain import transfer_hash
from hexqi.services.ledger_verify import VerifyReport, organisation_positions, verify

__all__ = [
    "FloorExceeded", "LedgerError", "VerifyReport", "account_for", "available", "balance",
    "balances", "confirm_pending", "decline_pending", "donate", "expire_pending", "floor_for",
    "log_session", "organisation_position", "organisation_positions", "pending_debits",
    "post_transfer", "record_training", "reverse", "verify",
]

MAX_SESSION_MINUTES = 12 * 60
MAX_TRANSFER_MINUTES = 1_000_000
_ATTEMPTS = 5
P = ParamSpec("P")
R = TypeVar("R")


class LedgerError(DomainError):
    """A ledger rule said no."""


class FloorExceeded(LedgerError):
    """The debit would take an account below its credit floor (pending debits count)."""

    def __init__(self, message: str, *, account_id: int, available: int, minutes: int,
                 floor: int) -> None:
        super().__init__(message)
        self.account_id, self.available, self.minutes, self.floor = (
            account_id, available, minutes, floor)


class _CommitThenRaise(Exception):  # noqa: N818 - internal control flow, never escapes
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


def _transaction(fn: Callable[P, R]) -> Callable[P, R]:
    """Commit on success; roll back and re-raise on failure; retry lock conflicts."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                result = fn(*args, **kwargs)
                db.session.commit()
                return result
            except _CommitThenRaise as keep:
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


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _begin_write() -> None:
    """On SQLite take the database write lock now (a no-op write), so reads that follow see
    the latest committed state and no other writer interleaves. PostgreSQL uses row locks."""
    if _is_sqlite():
        db.session.execute(sa.text("UPDATE ledger_head SET last_hash = last_hash WHERE id = 1"))


def _lock(model: Any, row_id: int | None) -> Any:
    """Load a row fresh from the database, locked FOR NO KEY UPDATE on PostgreSQL."""
    if row_id is None:
        return None
    stmt = (sa.select(model).where(model.id == row_id).with_for_update(key_share=True)
            .execution_options(populate_existing=True))
    return db.session.scalar(stmt)


def _when(at: datetime | None) -> datetime:
    if at is None:
        return utcnow()
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at


def _check_minutes(minutes: Any, limit: int = MAX_TRANSFER_MINUTES) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise InvalidInput("Minutes must be a whole number.", "minutes")
    if minutes <= 0:
        raise InvalidInput("Minutes must be more than zero.", "minutes")
    if minutes > limit:
        raise InvalidInput(f"That is more than {limit // 60} hours at once.", "minutes")
    return minutes


def hours_text(minutes: int) -> str:
    """Minutes as people read them: '1 hour', '-20 hours', '1.25 hours'."""
    if minutes % 60:
        return f"{minutes / 60:.2f} hours"
    return "1 hour" if minutes == 60 else f"{minutes // 60} hours"


# -- accounts and balances ---------------------------------------------------------------------

_OWNERS: tuple[tuple[type, AccountKind, str], ...] = (
    (Person, AccountKind.PERSON, "person_id"),
    (Team, AccountKind.TEAM, "team_id"),
    (Organisation, AccountKind.ORGANISATION, "organisation_id"),
    (System, AccountKind.SYSTEM, "system_id"),
)


def account_for(owner: Person | Team | Organisation | System) -> Account:
    """The owner's account, created if it does not exist yet (race-free; flushes)."""
    found_kind = next(((k, c) for cls, k, c in _OWNERS if isinstance(owner, cls)), None)
    if found_kind is None:
        raise InvalidInput(f"{type(owner).__name__} cannot hold an account.")
    kind, column = found_kind
    if owner.id is None:
        db.session.flush()
    where = getattr(Account, column) == owner.id
    found = db.session.scalar(sa.select(Account).where(where))
    if found is not None:
        return found
    insert = (sqlite.insert if _is_sqlite() else postgresql.insert)(Account.__table__)
    db.session.execute(insert.values(kind=kind, created_at=utcnow(), **{column: owner.id})
                       .on_conflict_do_nothing())
    account = db.session.scalar(sa.select(Account).where(where))
    assert account is not None
    return account


def balance(account_id: int) -> int:
    """Posted minutes: credits minus debits."""
    return balances([account_id])[account_id]


def balances(account_ids: Iterable[int]) -> dict[int, int]:
    """Posted balances of many accounts in one query (0 for an account with no transfers)."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    t = Transfer.__table__.c
    moves = sa.union_all(
        sa.select(t.credit_account_id.label("account"), t.minutes.label("delta"))
        .where(t.credit_account_id.in_(ids)),
        sa.select(t.debit_account_id.label("account"), (-t.minutes).label("delta"))
        .where(t.debit_account_id.in_(ids)),
    ).subquery()
    rows = db.session.execute(
        sa.select(moves.c.account, sa.func.sum(moves.c.delta)).group_by(moves.c.account))
    result = dict.fromkeys(ids, 0)
    result.update({account: int(total) for account, total in rows})
    return result


def pending_debits(account_id: int, exclude_pending_id: int | None = None) -> int:
    """Minutes logged against the account that are still waiting for confirmation."""
    stmt = sa.select(sa.func.coalesce(sa.func.sum(PendingTransfer.minutes), 0)).where(
        PendingTransfer.debit_account_id == account_id,
        PendingTransfer.status == PendingStatus.PENDING,
    )
    if exclude_pending_id is not None:
        stmt = stmt.where(PendingTransfer.id != exclude_pending_id)
    return int(db.session.scalar(stmt) or 0)


def available(account_id: int) -> int:
    """Balance minus pending debits: what the account may still spend above its floor."""
    return balance(account_id) - pending_debits(account_id)


def organisation_position(org_id: int) -> int:
    """The organisation's own account plus its people's and teams' accounts."""
    return organisation_positions([org_id]).get(org_id, 0)


def floor_for(account: Account) -> int | None:
    """The lowest balance the account may reach, or None (the system's account has none)."""
    if account.kind is AccountKind.SYSTEM:
        return None
    if account.organisation is not None:
        org = account.organisation
    elif account.person is not None:
        org = account.person.organisation
    else:
        assert account.team is not None
        org = account.team.organisation
    return int(org.system.credit_floor_minutes)


def _check_floor(account: Account, minutes: int, exclude_pending_id: int | None = None) -> None:
    floor = floor_for(account)
    if floor is None:
        return
    free = balance(account.id) - pending_debits(account.id, exclude_pending_id)
    if free - minutes < floor:
        raise FloorExceeded(
            f"{account.label} has {hours_text(free)} available; {hours_text(minutes)} more "
            f"would take it below the credit floor of {hours_text(floor)}.",
            account_id=account.id, available=free, minutes=minutes, floor=floor)


# -- posting -----------------------------------------------------------------------------------

def _post(debit: Account, credit: Account, minutes: int, kind: TransferKind,
          actor_id: int | None, idempotency_key: str, memo: str, at: datetime | None, *,
          pending_id: int | None = None, reverses_id: int | None = None,
          training_event_id: int | None = None, enforce_floor: bool = True,
          exclude_pending_id: int | None = None) -> Transfer:
    _check_minutes(minutes)
    if debit.id == credit.id:
        raise InvalidInput("A transfer needs two different accounts.")
    if not idempotency_key or len(idempotency_key) > 120:
        raise InvalidInput("A transfer needs an idempotency key of 1 to 120 characters.")
    memo = memo or ""
    if len(memo) > 300:
        raise InvalidInput("The note is too long (300 characters at most).", "memo")
    _lock(Account, debit.id)
    head = _lock(LedgerHead, 1)
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
        _check_floor(debit, minutes, exclude_pending_id)
    row = Transfer(id=(head.last_transfer_id or 0) + 1, created_by_id=actor_id,
                   created_at=_when(at), idempotency_key=idempotency_key,
                   prev_hash=head.last_hash, **content)
    row.hash = transfer_hash(row)
    db.session.add(row)
    db.session.flush()
    head.last_transfer_id, head.last_hash = row.id, row.hash
    db.session.flush()
    return row


@_transaction
def post_transfer(debit: Account, credit: Account, minutes: int, kind: TransferKind,
                  actor: Person | None, idempotency_key: str, memo: str = "",
                  at: datetime | None = None, *, training_event_id: int | None = None,
                  enforce_floor: bool | None = None) -> Transfer:
    """Post one transfer (donation, adjustment, training). Posting again with the same key
    and content returns the first transfer; the same key with other content is a Conflict.
    Session transfers post through confirm_pending, reversals through reverse. The floor
    applies unless ``kind`` is an adjustment or ``enforce_floor`` says otherwise."""
    _begin_write()
    kind = TransferKind(kind)
    if kind in (TransferKind.SESSION, TransferKind.REVERSAL):
        raise InvalidInput("Session hours post when confirmed; reversals post through reverse.")
    if enforce_floor is None:
        enforce_floor = kind is not TransferKind.ADJUSTMENT
    return _post(debit, credit, minutes, kind, actor.id if actor else None, idempotency_key,
                 memo, at, training_event_id=training_event_id, enforce_floor=enforce_floor)


# -- sessions ----------------------------------------------------------------------------------

def _is_member(person_id: int, team_id: int) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(TeamMember).where(
        TeamMember.team_id == team_id, TeamMember.person_id == person_id)) > 0


def _side(person: Person, session: CoachingSession) -> str | None:
    """'coach', 'team' (a member of the request's team) or None."""
    if person.id == session.match.coach_id:
        return "coach"
    if _is_member(person.id, session.match.request.team_id):
        return "team"
    return None


def _session_and_other_party(pending: PendingTransfer, actor: Person) -> CoachingSession:
    session = db.session.get(CoachingSession, pending.session_id)
    if session is None:
        raise Conflict("These hours are not linked to a coaching session.")
    logger_side = "coach" if pending.logged_by_id == session.match.coach_id else "team"
    side = _side(actor, session)
    if side is None:
        raise Forbidden("Only the coach or a member of the team can answer for these hours.")
    if actor.id == pending.logged_by_id or side == logger_side:
        raise Forbidden("The other party confirms or declines logged hours, not the one who "
                        "logged them.")
    return session


@_transaction
def log_session(session: CoachingSession, actor: Person, minutes: int | None = None,
                at: datetime | None = None) -> PendingTransfer:
    """Mark the session held and log its hours as pending: the request's team pays, the coach
    earns, once the other party confirms. The logger is the coach or a member of the team."""
    _begin_write()
    locked = _lock(CoachingSession, session.id)
    if locked is None:
        raise NotFound("No such session.")
    if _side(actor, locked) is None:
        raise Forbidden("Only the coach or a member of the team can log this session.")
    if locked.status is SessionStatus.CANCELLED:
        raise Conflict("This session was cancelled, so it has no hours to log.")
    if db.session.scalar(sa.select(PendingTransfer.id)
                         .where(PendingTransfer.session_id == locked.id)) is not None:
        raise Conflict("This session's hours are already logged.")
    if locked.match.status is not MatchStatus.ACCEPTED:
        raise Conflict("Hours can be logged only for an accepted match.")
    when = _when(at)
    if locked.starts_at > when:
        raise InvalidInput("This session has not started yet; log it once it is held.")
    minutes = _check_minutes(locked.minutes if minutes is None else minutes,
                             MAX_SESSION_MINUTES)
    debit = account_for(locked.match.request.team)
    credit = account_for(locked.match.coach)
    _check_floor(_lock(Account, debit.id), minutes)
    locked.status, locked.minutes, locked.logged_by_id = SessionStatus.HELD, minutes, actor.id
    pending = PendingTransfer(
        session_id=locked.id, debit_account_id=debit.id, credit_account_id=credit.id,
        minutes=minutes, logged_by_id=actor.id, status=PendingStatus.PENDING, created_at=when,
        expires_at=when + timedelta(days=current_app.config["PENDING_EXPIRY_DAYS"]))
    db.session.add(pending)
    db.session.flush()
    return pending


def _locked_open_pending(pending_id: int, actor: Person, at: datetime | None
                         ) -> tuple[PendingTransfer, CoachingSession, datetime]:
    pending = _lock(PendingTransfer, pending_id)
    if pending is None:
        raise NotFound("No such logged hours.")
    session = _session_and_other_party(pending, actor)
    return pending, session, _when(at)


def _expire_if_due(pending: PendingTransfer, when: datetime) -> None:
    if pending.status is PendingStatus.PENDING and when >= pending.expires_at:
        pending.status, pending.decided_at = PendingStatus.EXPIRED, when
        raise _CommitThenRaise(Conflict("These hours expired before anyone confirmed them."))


@_transaction
def confirm_pending(pending_id: int, actor: Person, at: datetime | None = None) -> Transfer:
    """The other party confirms logged hours: posts exactly once. Confirming hours that are
    already confirmed returns the transfer they posted (nothing new is posted)."""
    _begin_write()
    pending, session, when = _locked_open_pending(pending_id, actor, at)
    if pending.status is PendingStatus.CONFIRMED:
        posted = db.session.scalar(sa.select(Transfer).where(Transfer.pending_id == pending.id))
        assert posted is not None, "a confirmed pending transfer always has its transfer"
        return posted
    if pending.status is not PendingStatus.PENDING:
        raise Conflict(f"These hours were {pending.status.value}, so they cannot be confirmed.")
    _expire_if_due(pending, when)
    debit = _lock(Account, pending.debit_account_id)
    credit = db.session.get(Account, pending.credit_account_id)
    transfer = _post(debit, credit, pending.minutes, TransferKind.SESSION, actor.id,
                     f"session:{session.id}", f"Coaching session {session.id}", when,
                     pending_id=pending.id, exclude_pending_id=pending.id)
    pending.status, pending.decided_by_id, pending.decided_at = (
        PendingStatus.CONFIRMED, actor.id, when)
    db.session.flush()
    return transfer


@_transaction
def decline_pending(pending_id: int, actor: Person, at: datetime | None = None
                    ) -> PendingTransfer:
    """The other party declines logged hours: they never post. Declining again is harmless."""
    _begin_write()
    pending, _session, when = _locked_open_pending(pending_id, actor, at)
    if pending.status is PendingStatus.DECLINED:
        return pending
    if pending.status is not PendingStatus.PENDING:
        raise Conflict(f"These hours were {pending.status.value}, so they cannot be declined.")
    _expire_if_due(pending, when)
    pending.status, pending.decided_by_id, pending.decided_at = (
        PendingStatus.DECLINED, actor.id, when)
    db.session.flush()
    return pending


@_transaction
def expire_pending(now: datetime | None = None) -> int:
    """Expire pending hours past their expiry time; returns how many expired."""
    _begin_write()
    when = _when(now)
    result = db.session.execute(
        sa.update(PendingTransfer)
        .where(PendingTransfer.status == PendingStatus.PENDING,
               PendingTransfer.expires_at <= when)
        .values(status=PendingStatus.EXPIRED, decided_at=when)
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# -- reversals, gifts and training ---------------------------------------------------------------

def _same_system_lead(actor: Person, org: Organisation) -> bool:
    return actor.has_role(Role.SYSTEM_LEAD) and actor.organisation.system_id == org.system_id


@_transaction
def reverse(transfer_id: int, actor: Person, reason: str, at: datetime | None = None
            ) -> Transfer:
    """Undo a transfer by posting its mirror image. System leads only; at most once."""
    _begin_write()
    if not actor.has_role(Role.SYSTEM_LEAD):
        raise Forbidden("Only a system lead can reverse a transfer.")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why the transfer is being reversed.", "reason")
    if len(reason) > 300:
        raise InvalidInput("The reason is too long (300 characters at most).", "reason")
    original = db.session.get(Transfer, transfer_id)
    if original is None:
        raise NotFound("No such transfer.")
    if original.kind is TransferKind.REVERSAL:
        raise Conflict("A reversal cannot be reversed; post a new transfer instead.")
    debit = _lock(Account, original.credit_account_id)
    _lock(LedgerHead, 1)
    earlier = db.session.scalar(sa.select(Transfer.id).where(Transfer.reverses_id == original.id))
    if earlier is not None:
        raise Conflict(f"Transfer {original.id} was already reversed by transfer {earlier}.")
    credit = db.session.get(Account, original.debit_account_id)
    return _post(debit, credit, original.minutes, TransferKind.REVERSAL, actor.id,
                 f"reversal:{original.id}", reason, at, reverses_id=original.id,
                 enforce_floor=False)


@_transaction
def donate(giver: Person, team: Team, minutes: int, actor: Person, at: datetime | None = None,
           *, idempotency_key: str | None = None, memo: str = "") -> Transfer:
    """A person gives their credits to a team. The giver's floor applies."""
    _begin_write()
    if actor.id != giver.id and not _same_system_lead(actor, giver.organisation):
        raise Forbidden("You can give only your own hours.")
    _check_minutes(minutes)
    debit, credit = account_for(giver), account_for(team)
    key = idempotency_key or f"donation:{uuid.uuid4().hex}"
    return _post(debit, credit, minutes, TransferKind.DONATION, actor.id, key,
                 memo or f"Gift to {team.name}"[:300], at)


@_transaction
def record_training(event: TrainingEvent, actor: Person | None, at: datetime | None = None
                    ) -> Transfer:
    """The coach earns the event's minutes once; the host organisation's account pays.
    Recording it again returns the first transfer."""
    _begin_write()
    host = event.host_organisation
    if actor is not None and actor.id != event.coach_id and not _same_system_lead(actor, host) \
            and not (actor.has_role(Role.ORG_ADMIN) and actor.organisation_id == host.id):
        raise Forbidden("Only the coach, the host's organisation admin or a system lead can "
                        "record this training.")
    key = f"training:{event.id}"
    done = db.session.scalar(sa.select(Transfer).where(Transfer.idempotency_key == key))
    if done is not None:
        return done
    debit, credit = account_for(host), account_for(event.coach)
    return _post(debit, credit, event.minutes, TransferKind.TRAINING,
                 actor.id if actor else None, key, f"Training: {event.title}"[:300], at,
                 training_event_id=event.id)
