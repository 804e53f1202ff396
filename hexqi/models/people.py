"""People (users), their roles and tiers, and the teams they belong to."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from hexqi.extensions import db
from hexqi.models.common import Role, Tier, str_enum, utcnow

if TYPE_CHECKING:
    from hexqi.models.org import Organisation
    from hexqi.models.skills import CoachProfile

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters


class Person(UserMixin, db.Model):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # Stored lower-case, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    tier: Mapped[Tier] = mapped_column(str_enum(Tier, "tier"), default=Tier.LEARN)
    job_title: Mapped[str] = mapped_column(sa.String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="people")
    role_rows: Mapped[list[PersonRole]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin"
    )
    memberships: Mapped[list[TeamMember]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )
    coach_profile: Mapped[CoachProfile | None] = relationship(back_populates="person")

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lower"),)

    @validates("email")
    def _lower_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def add_role(self, role: Role) -> None:
        if role not in self.roles:
            self.role_rows.append(PersonRole(role=role))

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive people
        return self.active

    def __repr__(self) -> str:
        return f"<Person {self.email}>"


class PersonRole(db.Model):
    __tablename__ = "person_roles"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), primary_key=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), primary_key=True)

    person: Mapped[Person] = relationship(back_populates="role_rows")


class TierChange(db.Model):
    """A person's move between tiers; the pipeline counts moves in a period from these."""

    __tablename__ = "tier_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    from_tier: Mapped[Tier | None] = mapped_column(str_enum(Tier, "from_tier"))
    to_tier: Mapped[Tier] = mapped_column(str_enum(Tier, "to_tier"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Team(db.Model):
    """A clinical or practice team inside one organisation."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="teams")
    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("organisation_id", "name"),)

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class TeamMember(db.Model):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), primary_key=True)

    team: Mapped[Team] = relationship(back_populates="members")
    person: Mapped[Person] = relationship(back_populates="memberships")
