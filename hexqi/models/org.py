"""The system (the ICS) and its partner organisations."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hexqi.extensions import db
from hexqi.models.common import str_enum

if TYPE_CHECKING:
    from hexqi.models.people import Person, Team


class OrgKind(enum.StrEnum):
    ACUTE_TRUST = "acute_trust"
    COMMUNITY_TRUST = "community_trust"
    MENTAL_HEALTH_TRUST = "mental_health_trust"
    AMBULANCE_TRUST = "ambulance_trust"
    GP_PRACTICE = "gp_practice"
    PCN = "primary_care_network"
    ICB = "icb"
    LOCAL_AUTHORITY = "local_authority"
    HOSPICE = "hospice"
    UNIVERSITY = "university"
    VOLUNTARY = "voluntary_sector"

    @property
    def label(self) -> str:
        return {
            "acute_trust": "Acute trust",
            "community_trust": "Community trust",
            "mental_health_trust": "Mental-health trust",
            "ambulance_trust": "Ambulance trust",
            "gp_practice": "GP practice",
            "primary_care_network": "Primary care network",
            "icb": "Integrated care board",
            "local_authority": "Local authority",
            "hospice": "Hospice",
            "university": "University",
            "voluntary_sector": "Voluntary sector",
        }[self.value]


class System(db.Model):
    """An Integrated Care System: the partnership whose leads oversee its partners."""

    __tablename__ = "systems"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    # The lowest balance (in minutes) an account may reach; pending debits count.
    credit_floor_minutes: Mapped[int] = mapped_column(default=-20 * 60)

    organisations: Mapped[list[Organisation]] = relationship(back_populates="system")

    __table_args__ = (sa.CheckConstraint("credit_floor_minutes <= 0", name="floor_not_positive"),)


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(sa.ForeignKey("systems.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind, "org_kind"))
    locality: Mapped[str] = mapped_column(sa.String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # Dosing targets: the share of staff (percent) the organisation aims to have at each tier.
    target_learn_pct: Mapped[float] = mapped_column(default=0.0)
    target_live_pct: Mapped[float] = mapped_column(default=0.0)
    target_lead_pct: Mapped[float] = mapped_column(default=0.0)
    staff_headcount: Mapped[int] = mapped_column(default=0)

    system: Mapped[System] = relationship(back_populates="organisations")
    people: Mapped[list[Person]] = relationship(back_populates="organisation")
    teams: Mapped[list[Team]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"
