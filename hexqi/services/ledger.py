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
and rolls back (leaving the database as it was) on failure. A caller's own
uncommitted changes ride in the same transaction: they commit with it and roll
back with it (a retry after a lock conflict re-runs the ledger step alone, so
callers that race should commit their own rows first).

The code is split: ``ledger_accounts`` (accounts, balances, floor),
``ledger_posting`` (transactions, locks, writing a transfer), ``ledger_chain``
(the hash), ``ledger_summary`` (the monthly hours summary the reports read) and
``ledger_verify`` (checking every invariant). Import from here.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from hexqi.extensions import db
from hexqi.models import (
    Account,
    CoachingSession,
    LedgerHead,
    MatchStatus,
    Organisation,
    PendingStatus,
    PendingTransfer,
    Person,
    Role,
    SessionStatus,
    Team,
    TeamMember,
    TrainingEvent,
    Transfer,
    TransferKind,
)
from hexqi.services import ledger_summary
from hexqi.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from hexqi.services.ledger_accounts import (
    FloorExceeded,
    LedgerError,
    account_for,
    available,
    balance,
    balances,
    check_floor,
    floor_for,
    hours_text,
    organisation_position,
    pending_debits,
)
from hexqi.services.ledger_posting import (
    MAX_SESSION_MINUTES,
    CommitThenRaise,
    begin_write,
    check_minutes,
    lock_row,
    post,
    transaction,
    when_or_now,
)
from hexqi.services.ledger_verify import VerifyReport, organisation_positions, verify

__all__ = [
    "FloorExceeded", "LedgerError", "VerifyReport", "account_for", "available", "balance",
    "balances", "confirm_pending", "decline_pending", "donate", "expire_pending", "floor_for",
    "hours_text", "log_session", "organisation_position", "organisation_positions",
    "pending_debits", "post_transfer", "rebuild_hours_summary", "record_training", "reverse",
    "verify",
]


@transaction


def post_transfer(debit: Account, credit: Account, minutes: int, kind: TransferKind,
                  actor: Person | None, idempotency_key: str, memo: str = "",
                  at: datetime | None = None, *, training_event_id: int | None = None,
                  enforce_floor: bool | None = None) -> Transfer:
    """Post one transfer (donation, adjustment, training). Posting again with the same key
    and content returns the first transfer; the same key with other content is a Conflict.
    Session transfers post through confirm_pending, reversals through reverse. The floor
    applies unless ``kind`` is an adjustment or ``enforce_floor`` says otherwise."""
    begin_write()
    kind = TransferKind(kind)
    if kind in (TransferKind.SESSION, TransferKind.REVERSAL):
        raise InvalidInput("Session hours post when confirmed; reversals post through reverse.")
    if enforce_floor is None:
        enforce_floor = kind is not TransferKind.ADJUSTMENT
    return post(debit, credit, minutes, kind, actor.id if actor else None, idempotency_key,
                memo, at, training_event_id=training_event_id, enforce_floor=enforce_floor)


# -- sessions ----------------------------------------------------------------------------------

def _is_member(person_id: int, team_id: int) -> bool:
    found = db.session.scalar(sa.select(TeamMember.person_id).where(
        TeamMember.team_id == team_id, TeamMember.person_id == person_id))
    return found is not None


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


@transaction


def log_session(session: CoachingSession, actor: Person, minutes: int | None = None,
                at: datetime | None = None) -> PendingTransfer:
    """Mark the session held and log its hours as pending: the request's team pays, the coach
    earns, once the other party confirms. The logger is the coach or a member of the team."""
    begin_write()
    locked = lock_row(CoachingSession, session.id)
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
    when = when_or_now(at)
    if locked.starts_at > when:
        raise InvalidInput("This session has not started yet; log it once it is held.")
    minutes = check_minutes(locked.minutes if minutes is None else minutes,
                             MAX_SESSION_MINUTES)
    debit = account_for(locked.match.request.team)
    credit = account_for(locked.match.coach)
    check_floor(lock_row(Account, debit.id), minutes)
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
    pending = lock_row(PendingTransfer, pending_id)
    if pending is None:
        raise NotFound("No such logged hours.")
    session = _session_and_other_party(pending, actor)
    return pending, session, when_or_now(at)


def _expire_if_due(pending: PendingTransfer, when: datetime) -> None:
    if pending.status is PendingStatus.PENDING and when >= pending.expires_at:
        pending.status, pending.decided_at = PendingStatus.EXPIRED, when
        raise CommitThenRaise(Conflict("These hours expired before anyone confirmed them."))


@transaction


def confirm_pending(pending_id: int, actor: Person, at: datetime | None = None) -> Transfer:
    """The other party confirms logged hours: posts exactly once. Confirming hours that are
    already confirmed returns the transfer they posted (nothing new is posted)."""
    begin_write()
    pending, session, when = _locked_open_pending(pending_id, actor, at)
    if pending.status is PendingStatus.CONFIRMED:
        posted = db.session.scalar(sa.select(Transfer).where(Transfer.pending_id == pending.id))
        assert posted is not None, "a confirmed pending transfer always has its transfer"
        return posted
    if pending.status is not PendingStatus.PENDING:
        raise Conflict(f"These hours were {pending.status.value}, so they cannot be confirmed.")
    _expire_if_due(pending, when)
    debit = lock_row(Account, pending.debit_account_id)
    credit = db.session.get_one(Account, pending.credit_account_id)
    transfer = post(debit, credit, pending.minutes, TransferKind.SESSION, actor.id,
                    f"session:{session.id}", f"Coaching session {session.id}", when,
                    pending_id=pending.id, exclude_pending_id=pending.id)
    pending.status, pending.decided_by_id, pending.decided_at = (
        PendingStatus.CONFIRMED, actor.id, when)
    db.session.flush()
    return transfer


@transaction


def decline_pending(pending_id: int, actor: Person, at: datetime | None = None
                    ) -> PendingTransfer:
    """The other party declines logged hours: they never post. Declining again is harmless."""
    begin_write()
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


@transaction


def expire_pending(now: datetime | None = None) -> int:
    """Expire pending hours past their expiry time; returns how many expired."""
    begin_write()
    when = when_or_now(now)
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


@transaction


def reverse(transfer_id: int, actor: Person, reason: str, at: datetime | None = None
            ) -> Transfer:
    """Undo a transfer by posting its mirror image. System leads only; at most once."""
    begin_write()
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
    debit = lock_row(Account, original.credit_account_id)
    lock_row(LedgerHead, 1)
    earlier = db.session.scalar(sa.select(Transfer.id).where(Transfer.reverses_id == original.id))
    if earlier is not None:
        raise Conflict(f"Transfer {original.id} was already reversed by transfer {earlier}.")
    credit = db.session.get_one(Account, original.debit_account_id)
    return post(debit, credit, original.minutes, TransferKind.REVERSAL, actor.id,
                f"reversal:{original.id}", reason, at, reverses_id=original.id,
                enforce_floor=False)


@transaction


def donate(giver: Person, team: Team, minutes: int, actor: Person, at: datetime | None = None,
           *, idempotency_key: str | None = None, memo: str = "") -> Transfer:
    """A person gives their credits to a team. The giver's floor applies."""
    begin_write()
    if actor.id != giver.id and not _same_system_lead(actor, giver.organisation):
        raise Forbidden("You can give only your own hours.")
    check_minutes(minutes)
    debit, credit = account_for(giver), account_for(team)
    key = idempotency_key or f"donation:{uuid.uuid4().hex}"
    return post(debit, credit, minutes, TransferKind.DONATION, actor.id, key,
                memo or f"Gift to {team.name}"[:300], at)


@transaction


def record_training(event: TrainingEvent, actor: Person | None, at: datetime | None = None
                    ) -> Transfer:
    """The coach earns the event's minutes once; the host organisation's account pays.
    Recording it again returns the first transfer."""
    begin_write()
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
    return post(debit, credit, event.minutes, TransferKind.TRAINING,
                actor.id if actor else None, key, f"Training: {event.title}"[:300], at,
                training_event_id=event.id)


@transaction


def rebuild_hours_summary() -> int:
    """Replace the monthly hours summary with the transfers summed afresh (after a bulk load,
    or when ``verify`` says it differs). No transfer posts meanwhile. Returns the row count."""
    begin_write()
    lock_row(LedgerHead, 1)
    return ledger_summary.replace_all(ledger_summary.tally_transfers().rows().items())
