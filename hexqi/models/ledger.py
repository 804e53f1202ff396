"""The timebank ledger: accounts, pending transfers and immutable posted transfers.

Balances are never stored: an account's balance is the sum of the posted
transfers that credit it minus those that debit it. Posted transfers are never
updated or deleted (database triggers refuse it); a mistake is corrected by a
reversal that points at the original. Each transfer carries a SHA-256 over its
own content and the previous transfer's hash, so an edit made behind the app's
back breaks the chain and ``flask ledger verify`` names it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hexqi.extensions import db
from hexqi.models.common import str_enum, utcnow

if TYPE_CHECKING:
    from hexqi.models.org import Organisation, System
    from hexqi.models.people import Person, Team

GENESIS_HASH = "0" * 64


class AccountKind(enum.StrEnum):
    PERSON = "person"
    TEAM = "team"
    ORGANISATION = "organisation"
    SYSTEM = "system"


class Account(db.Model):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AccountKind] = mapped_column(str_enum(AccountKind, "account_kind"))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), unique=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id"), unique=True
    )
    system_id: Mapped[int | None] = mapped_column(sa.ForeignKey("systems.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person | None] = relationship()
    team: Mapped[Team | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    system: Mapped[System | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'person' AND person_id IS NOT NULL AND team_id IS NULL"
            " AND organisation_id IS NULL AND system_id IS NULL)"
            " OR (kind = 'team' AND team_id IS NOT NULL AND person_id IS NULL"
            " AND organisation_id IS NULL AND system_id IS NULL)"
            " OR (kind = 'organisation' AND organisation_id IS NOT NULL AND person_id IS NULL"
            " AND team_id IS NULL AND system_id IS NULL)"
            " OR (kind = 'system' AND system_id IS NOT NULL AND person_id IS NULL"
            " AND team_id IS NULL AND organisation_id IS NULL)",
            name="one_owner",
        ),
    )

    @property
    def label(self) -> str:
        owner = self.person or self.team or self.organisation or self.system
        return getattr(owner, "name", f"account {self.id}")


class TransferKind(enum.StrEnum):
    SESSION = "session"
    TRAINING = "training"
    DONATION = "donation"
    ADJUSTMENT = "adjustment"
    REVERSAL = "reversal"


class PendingStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"


class PendingTransfer(db.Model):
    """Hours logged for a held session, waiting for the other party to confirm them."""

    __tablename__ = "pending_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("coaching_sessions.id"), unique=True
    )
    debit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    credit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    minutes: Mapped[int]
    logged_by_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    status: Mapped[PendingStatus] = mapped_column(
        str_enum(PendingStatus, "pending_status"), default=PendingStatus.PENDING, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    decided_at: Mapped[datetime | None]

    debit_account: Mapped[Account] = relationship(foreign_keys=[debit_account_id])
    credit_account: Mapped[Account] = relationship(foreign_keys=[credit_account_id])
    logged_by: Mapped[Person] = relationship(foreign_keys=[logged_by_id])
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        sa.CheckConstraint("minutes > 0", name="minutes_positive"),
        sa.CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)", name="decided_when_not_pending"
        ),
    )


class Transfer(db.Model):
    """One posted, immutable movement of minutes from a debit to a credit account."""

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    debit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    credit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    minutes: Mapped[int]
    kind: Mapped[TransferKind] = mapped_column(str_enum(TransferKind, "transfer_kind"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    memo: Mapped[str] = mapped_column(sa.String(300), default="")
    # The confirmation a session transfer posted from; a session transfer has exactly one.
    pending_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("pending_transfers.id"), unique=True
    )
    training_event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("training_events.id"), index=True
    )
    # A reversal points at the transfer it undoes; a transfer is reversed at most once.
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"), unique=True)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    debit_account: Mapped[Account] = relationship(foreign_keys=[debit_account_id])
    credit_account: Mapped[Account] = relationship(foreign_keys=[credit_account_id])
    created_by: Mapped[Person | None] = relationship()
    pending: Mapped[PendingTransfer | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("minutes > 0", name="minutes_positive"),
        sa.CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
        sa.CheckConstraint(
            "(kind = 'reversal') = (reverses_id IS NOT NULL)", name="reversal_points_back"
        ),
        sa.CheckConstraint(
            "(kind = 'session') = (pending_id IS NOT NULL)", name="session_confirmed"
        ),
        sa.CheckConstraint(
            "kind <> 'training' OR training_event_id IS NOT NULL", name="training_event"
        ),
        # reports look up the period's donations, training transfers and reversals by kind
        sa.Index("ix_transfers_kind_created_at", "kind", "created_at"),
    )


class HoursSummary(db.Model):
    """Posted hours given, summed per month: a derived copy of part of ``transfers``.

    Each row sums the session and training transfers (and, negatively, their reversals)
    that share a month posted, a month given, a giver and a receiver account, a kind and
    a source. ``post`` adds every such transfer here in the transaction that appends it;
    ``flask ledger verify`` checks the rows against the transfers and ``flask ledger
    rebuild-summary`` rebuilds them. The reports read whole months from here and only the
    partial months at the ends of a period from ``transfers`` (``docs/reports.md``).
    """

    __tablename__ = "hours_summary"

    # first day of the month the transfer was posted in (its created_at, UTC)
    posted_month: Mapped[date] = mapped_column(primary_key=True)
    # first day of the month the hours were given: the session's or the training event's
    # start (UTC), or the posted month when the transfer has no session
    given_month: Mapped[date] = mapped_column(primary_key=True)
    # the coach (credit side; the debit side of a reversal) and the team or host organisation
    giver_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"),
                                                  primary_key=True)
    receiver_account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"),
                                                     primary_key=True)
    # session or training; a reversal counts under the kind of the transfer it undoes
    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    # the session's match (session hours) or the training event (training hours); 0 if none
    source_id: Mapped[int] = mapped_column(primary_key=True)
    minutes: Mapped[int]  # net of reversals: may be 0 or below
    transfers: Mapped[int]  # how many session or training transfers are summed here
    reversals: Mapped[int]  # how many reversals of them are summed here

    __table_args__ = (
        sa.CheckConstraint("kind IN ('session', 'training')", name="hours_kind"),
    )


class LedgerHead(db.Model):
    """One row per database: the tip of the hash chain, locked while a transfer is appended."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_transfer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transfers.id"))
    last_hash: Mapped[str] = mapped_column(sa.String(64), default=GENESIS_HASH)

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)
