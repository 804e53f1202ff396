"""The QI-methods taxonomy, coach profiles (skills, capacity, availability) and the history of
the protected time organisations approve for their coaches."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hexqi.extensions import db
from hexqi.models.common import utcnow

if TYPE_CHECKING:
    from hexqi.models.people import Person


class Skill(db.Model):
    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # Plain-language help shown beside the method on the request form.
    help_text: Mapped[str] = mapped_column(sa.Text, default="")


class CoachProfile(db.Model):
    __tablename__ = "coach_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), unique=True)
    capacity_hours: Mapped[int] = mapped_column(default=4)  # offered per month
    # Protected time released by the coach's organisation; the matcher uses this when set.
    approved_hours: Mapped[int | None]
    max_teams: Mapped[int] = mapped_column(default=2)
    virtual: Mapped[bool] = mapped_column(default=True)
    in_person: Mapped[bool] = mapped_column(default=False)
    base_location: Mapped[str] = mapped_column(sa.String(120), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    travel_km: Mapped[int] = mapped_column(default=0)
    paused: Mapped[bool] = mapped_column(default=False)
    bio: Mapped[str] = mapped_column(sa.Text, default="")

    person: Mapped[Person] = relationship(back_populates="coach_profile")
    skills: Mapped[list[CoachSkill]] = relationship(
        back_populates="profile", cascade="all, delete-orphan"
    )
    slots: Mapped[list[CoachSlot]] = relationship(
        back_populates="profile", cascade="all, delete-orphan"
    )
    absences: Mapped[list[CoachAbsence]] = relationship(
        back_populates="profile", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("capacity_hours >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("approved_hours IS NULL OR approved_hours >= 0", name="approved_ok"),
        sa.CheckConstraint("max_teams >= 1", name="max_teams_positive"),
        sa.CheckConstraint("travel_km >= 0", name="travel_not_negative"),
    )

    @property
    def usable_hours(self) -> int:
        """Hours the matcher may use: approved protected time, capped by what the coach offers."""
        if self.approved_hours is None:
            return 0
        return min(self.capacity_hours, self.approved_hours)


class ProtectedTimeApproval(db.Model):
    """One approval of a coach's protected time (hours a month) by the organisation that
    releases it. Rows are only ever added: the newest row for a coach holds the hours in
    ``CoachProfile.approved_hours``, the older ones what was released before. Rows carried
    over from before approvals were kept have no ``approved_by_id``."""

    __tablename__ = "protected_time_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))  # the coach
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    hours: Mapped[int]
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("hours >= 0", name="hours_not_negative"),
        sa.Index("ix_protected_time_approvals_organisation_id_approved_at",
                 "organisation_id", "approved_at"),
        sa.Index("ix_protected_time_approvals_person_id_approved_at",
                 "person_id", "approved_at"),
    )


class CoachSkill(db.Model):
    __tablename__ = "coach_skills"

    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("coach_profiles.id"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("skills.id"), primary_key=True)
    level: Mapped[int]

    profile: Mapped[CoachProfile] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()

    __table_args__ = (sa.CheckConstraint("level BETWEEN 1 AND 3", name="level_1_to_3"),)


class CoachSlot(db.Model):
    """A weekly half-day the coach is usually free, e.g. ``wed-pm``."""

    __tablename__ = "coach_slots"

    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("coach_profiles.id"), primary_key=True)
    slot: Mapped[str] = mapped_column(sa.String(6), primary_key=True)

    profile: Mapped[CoachProfile] = relationship(back_populates="slots")


class CoachAbsence(db.Model):
    __tablename__ = "coach_absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("coach_profiles.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    profile: Mapped[CoachProfile] = relationship(back_populates="absences")

    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)
