"""Matching rounds and the matches (proposals) they make."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hexqi.extensions import db
from hexqi.models.common import str_enum, utcnow

if TYPE_CHECKING:
    from hexqi.models.people import Person
    from hexqi.models.requests import SupportRequest


class RoundStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    PUBLISHED = "published"


class MatchingRound(db.Model):
    __tablename__ = "matching_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(sa.ForeignKey("systems.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # last change of status or progress (also by Core updates from the worker)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    policy: Mapped[str] = mapped_column(sa.String(16), default="required")
    status: Mapped[RoundStatus] = mapped_column(
        str_enum(RoundStatus, "round_status"), default=RoundStatus.QUEUED
    )
    progress: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str] = mapped_column(sa.String(500), default="")
    request_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    published_at: Mapped[datetime | None]

    created_by: Mapped[Person] = relationship()
    matches: Mapped[list[Match]] = relationship(back_populates="round")


class MatchStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Match(db.Model):
    """A coach proposed for a request, by a round or by hand by a system lead."""

    __tablename__ = "matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("support_requests.id"), index=True)
    coach_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("matching_rounds.id"), index=True)
    status: Mapped[MatchStatus] = mapped_column(
        str_enum(MatchStatus, "match_status"), default=MatchStatus.PROPOSED
    )
    score: Mapped[float] = mapped_column(default=0.0)
    reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    by_hand: Mapped[bool] = mapped_column(default=False)
    published: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    request: Mapped[SupportRequest] = relationship()
    coach: Mapped[Person] = relationship(foreign_keys=[coach_id])
    round: Mapped[MatchingRound | None] = relationship(back_populates="matches")

    __table_args__ = (sa.UniqueConstraint("round_id", "request_id"),)
