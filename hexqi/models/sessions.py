"""Coaching sessions and training events."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hexqi.extensions import db
from hexqi.models.common import Mode, str_enum, utcnow

if TYPE_CHECKING:
    from hexqi.models.matches import Match
    from hexqi.models.org import Organisation
    from hexqi.models.people import Person
    from hexqi.models.skills import Skill


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class CoachingSession(db.Model):
    __tablename__ = "coaching_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(sa.ForeignKey("matches.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)  # reports find sessions by start
    minutes: Mapped[int]
    mode: Mapped[Mode] = mapped_column(str_enum(Mode, "mode"), default=Mode.VIRTUAL)
    status: Mapped[SessionStatus] = mapped_column(
        str_enum(SessionStatus, "session_status"), default=SessionStatus.SCHEDULED
    )
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    logged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    feedback_rating: Mapped[int | None]
    feedback_comment: Mapped[str | None] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    match: Mapped[Match] = relationship()
    logged_by: Mapped[Person | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("minutes > 0", name="minutes_positive"),
        sa.CheckConstraint(
            "feedback_rating IS NULL OR feedback_rating BETWEEN 1 AND 5", name="rating_1_to_5"
        ),
    )


class TrainingEvent(db.Model):
    """A coach teaching a group (usually for the Learn tier)."""

    __tablename__ = "training_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    host_organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    skill_id: Mapped[int | None] = mapped_column(sa.ForeignKey("skills.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    minutes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    coach: Mapped[Person] = relationship()
    host_organisation: Mapped[Organisation] = relationship()
    skill: Mapped[Skill | None] = relationship()
    attendance: Mapped[list[TrainingAttendance]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint("minutes > 0", name="minutes_positive"),)


class TrainingAttendance(db.Model):
    __tablename__ = "training_attendance"

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("training_events.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), primary_key=True)
    attended: Mapped[bool] = mapped_column(default=True)

    event: Mapped[TrainingEvent] = relationship(back_populates="attendance")
    person: Mapped[Person] = relationship()
