"""Ledger accounts and balances: who holds an account, what it holds, how low it may go.

Balances are never stored: they are sums over the posted transfers. An account's
*available* balance also subtracts its pending debits (hours logged against it and
not yet confirmed), and it is the available balance that the credit floor limits.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hexqi.extensions import db
from hexqi.models import (
    Account,
    AccountKind,
    Organisation,
    PendingStatus,
    PendingTransfer,
    Person,
    System,
    Team,
    Transfer,
    utcnow,
)
from hexqi.services.errors import DomainError, InvalidInput
from hexqi.services.ledger_verify import organisation_positions


class LedgerError(DomainError):
    """A ledger rule said no."""


class FloorExceeded(LedgerError):
    """The debit would take an account below its credit floor (pending debits count)."""

    def __init__(self, message: str, *, account_id: int, available: int, minutes: int,
                 floor: int) -> None:
        super().__init__(message)
        self.account_id, self.available, self.minutes, self.floor = (
            account_id, available, minutes, floor)


def hours_text(minutes: int) -> str:
    """Minutes as people read them: '1 hour', '-20 hours', '1.25 hours'."""
    if minutes % 60:
        return f"{minutes / 60:.2f} hours"
    return "1 hour" if minutes == 60 else f"{minutes // 60} hours"


def is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


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
    insert = (sqlite.insert if is_sqlite() else postgresql.insert)(Account.__table__)
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


def check_floor(account: Account, minutes: int, exclude_pending_id: int | None = None) -> None:
    floor = floor_for(account)
    if floor is None:
        return
    free = balance(account.id) - pending_debits(account.id, exclude_pending_id)
    if free - minutes < floor:
        raise FloorExceeded(
            f"{account.label} has {hours_text(free)} available; {hours_text(minutes)} more "
            f"would take it below the credit floor of {hours_text(floor)}.",
            account_id=account.id, available=free, minutes=minutes, floor=floor)
