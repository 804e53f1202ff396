"""QI projects and the support requests teams file for them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hexqi.extensions import db
from hexqi.models.common import Mode, str_enum, utcnow

if TYPE_CHECKING:
    from hexqi.models.people import Person, Team
    from hexqi.models.skills import Skill


class ProjectStage(enum.StrEnum):
    IDEA = "idea"
    DIAGNOSIS = "diagnosis"
    TESTING = "testing"
    IMPLEMENTING = "implementing"
    SPREADING = "spreading"


class Project(db.Model):
    """A team's QI project, with an optional outcome measure for the impact view."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    aim: Mapped[str] = mapped_column(sa.Text, default="")
    stage: Mapped[ProjectStage] = mapped_column(
        str_enum(ProjectStage, "project_stage"), default=ProjectStage.IDEA
    )
    measure_name: Mapped[str | None] = mapped_column(sa.String(120))
    measure_unit: Mapped[str | None] = mapped_column(sa.String(40))
    measure_baseline: Mapped[float | None]
    measure_latest: Mapped[float | None]
    measured_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship()


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    ACTIVE = "active"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    WITHDRAWN = "withdrawn"


class SupportRequest(db.Model):
    __tablename__ = "support_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    hours: Mapped[int]
    mode: Mapped[Mode] = mapped_column(str_enum(Mode, "mode"), default=Mode.VIRTUAL)
    location: Mapped[str] = mapped_column(sa.String(120), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    priority: Mapped[int] = mapped_column(default=1)
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus, "request_status"), default=RequestStatus.OPEN, index=True
    )
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship()
    project: Mapped[Project] = relationship()
    created_by: Mapped[Person] = relationship()
    skills: Mapped[list[RequestSkill]] = relationship(
        back_populates="request", cascade="all, delete-orphan"
    )
    slots: Mapped[list[RequestSlot]] = relationship(
        back_populates="request", cascade="all, delete-orphan"
    )
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestEvent.id"
    )

    __table_args__ = (
        sa.CheckConstraint("hours > 0", name="hours_positive"),
        sa.CheckConstraint("priority BETWEEN 1 AND 5", name="priority_1_to_5"),
    )


class RequestSkill(db.Model):
    __tablename__ = "request_skills"

    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("support_requests.id"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("skills.id"), primary_key=True)
    min_level: Mapped[int] = mapped_column(default=1)

    request: Mapped[SupportRequest] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()

    __table_args__ = (sa.CheckConstraint("min_level BETWEEN 1 AND 3", name="level_1_to_3"),)


class RequestSlot(db.Model):
    __tablename__ = "request_slots"

    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("support_requests.id"), primary_key=True
    )
    slot: Mapped[str] = mapped_column(sa.String(6), primary_key=True)

    request: Mapped[SupportRequest] = relationship(back_populates="slots")


class RequestEvent(db.Model):
    """The audit trail of a request: who changed its status, from what, to what, when."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("support_requests.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    from_status: Mapped[RequestStatus | None] = mapped_column(
        str_enum(RequestStatus, "from_status")
    )
    to_status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus, "to_status"))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[SupportRequest] = relationship(back_populates="events")
    actor: Mapped[Person | None] = relationship()
