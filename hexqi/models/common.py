"""Shared column helpers and the small vocabularies used across models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa

SLOTS: tuple[str, ...] = tuple(
    f"{day}-{half}" for day in ("mon", "tue", "wed", "thu", "fri") for half in ("am", "pm")
)


def utcnow() -> datetime:
    """Now, in UTC, naive (stored as UTC on every database)."""
    return datetime.now(UTC).replace(tzinfo=None)


def str_enum(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum column: stored as its value, checked by a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Tier(enum.StrEnum):
    LEARN = "learn"
    LIVE = "live"
    LEAD = "lead"

    @property
    def rank(self) -> int:
        return {"learn": 1, "live": 2, "lead": 3}[self.value]


class Role(enum.StrEnum):
    COACH = "coach"
    TEAM_MEMBER = "team_member"
    ORG_ADMIN = "org_admin"
    SYSTEM_LEAD = "system_lead"


class Mode(enum.StrEnum):
    VIRTUAL = "virtual"
    IN_PERSON = "in_person"
    EITHER = "either"
