"""The sustainability index: is the partnership's QI capability growing and self-funding?

Three components, each a share between 0 and 1 over the period (``docs/reports.md``):

* **Reciprocity** – of the system's active organisations, the share that both gave and
  received hours (net of reversals, more than zero each way).
* **Home-grown coaching** – of the hours given, the share given by people who were once in
  the Learn tier (a TierChange from or to Learn, or Learn today).
* **Earned funding** – of the coaching-session hours teams received, the share covered by
  earned credits donated to the team in the period: Σ min(session hours, donations) per
  team, over Σ session hours.

The index is the mean of the components that are defined (a component whose denominator
is zero is "n/a" and left out), times 100.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from hexqi.extensions import db
from hexqi.models import (
    Account,
    Organisation,
    Person,
    Team,
    Tier,
    TierChange,
    Transfer,
    TransferKind,
)
from hexqi.services.reports import Period, Table, hours, hours_given, percent, share
from hexqi.services.reports_hours import given_received_minutes


@dataclass
class Component:
    name: str
    part: str
    whole: str
    value: Decimal | None


@dataclass
class Sustainability:
    components: list[Component]

    @property
    def index(self) -> Decimal | None:
        defined = [c.value for c in self.components if c.value is not None]
        if not defined:
            return None
        return (sum(defined) / len(defined) * 100).quantize(Decimal("0.1"))


def reciprocity(system_id: int, period: Period) -> Component:
    names = set(db.session.scalars(
        sa.select(Organisation.name)
        .where(Organisation.system_id == system_id, Organisation.active)))
    active = len(names)
    both = sum(1 for name, given, received in
               given_received_minutes(system_id, period, "organisation")
               if name in names and given > 0 and received > 0)
    return Component("Reciprocity", f"{both} organisations both gave and received",
                     f"{active} active organisations", share(both, active))


def _once_learn() -> sa.ColumnElement[bool]:
    """The giver (a person) was in the Learn tier at some time."""
    return sa.or_(
        Person.tier == Tier.LEARN,
        sa.exists().where(TierChange.person_id == Person.id,
                          sa.or_(TierChange.from_tier == Tier.LEARN,
                                 TierChange.to_tier == Tier.LEARN)),
    )


def home_grown(system_id: int, period: Period) -> Component:
    given = hours_given(system_id, period)
    learn_minutes = sa.case((_once_learn(), given.c.minutes), else_=0)
    total, learn = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(given.c.minutes), 0),
                  sa.func.coalesce(sa.func.sum(learn_minutes), 0))
        .select_from(given).outerjoin(Person, Person.id == given.c.giver_person_id)
    ).one()
    total, learn = int(total), int(learn)
    return Component("Home-grown coaching",
                     f"{hours(learn)} hours given by people once in the Learn tier",
                     f"{hours(total)} hours given", share(learn, total) if total > 0 else None)


def earned_funding(system_id: int, period: Period) -> Component:
    given = hours_given(system_id, period)
    spent = (
        sa.select(given.c.receiver_team_id.label("team_id"), given.c.minutes.label("spent"),
                  sa.literal(0).label("donated"))
        .where(given.c.source_kind == TransferKind.SESSION)
    )
    t = aliased(Transfer, name="t")
    original = aliased(Transfer, name="original")
    reversal = t.kind == TransferKind.REVERSAL
    team_side = sa.case((reversal, t.debit_account_id), else_=t.credit_account_id)
    donated = (
        sa.select(Account.team_id.label("team_id"), sa.literal(0).label("spent"),
                  sa.case((reversal, -t.minutes), else_=t.minutes).label("donated"))
        .select_from(t)
        .outerjoin(original, original.id == t.reverses_id)
        .join(Account, Account.id == team_side)
        .join(Team, Team.id == Account.team_id)
        .join(Organisation, Organisation.id == Team.organisation_id)
        .where(Organisation.system_id == system_id,
               t.created_at >= period.starts_at, t.created_at < period.ends_before,
               sa.or_(t.kind == TransferKind.DONATION,
                      sa.and_(reversal, original.kind == TransferKind.DONATION)))
    )
    both = sa.union_all(spent, donated).subquery("team_flows")
    per_team = (
        sa.select(both.c.team_id, sa.func.sum(both.c.spent).label("spent"),
                  sa.func.sum(both.c.donated).label("donated"))
        .group_by(both.c.team_id).subquery("per_team")
    )
    covered = sa.case((per_team.c.donated <= 0, 0),
                      (per_team.c.donated < per_team.c.spent, per_team.c.donated),
                      else_=per_team.c.spent)
    spent_total, covered_total = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(per_team.c.spent), 0),
                  sa.func.coalesce(sa.func.sum(sa.case((per_team.c.spent > 0, covered),
                                                       else_=0)), 0))
    ).one()
    spent_total, covered_total = int(spent_total), int(covered_total)
    return Component("Earned funding",
                     f"{hours(covered_total)} session hours covered by donated credits",
                     f"{hours(spent_total)} session hours teams received",
                     share(covered_total, spent_total) if spent_total > 0 else None)


def sustainability(system_id: int, period: Period) -> Sustainability:
    return Sustainability([reciprocity(system_id, period), home_grown(system_id, period),
                           earned_funding(system_id, period)])


def sustainability_table(system_id: int, period: Period,
                         result: Sustainability | None = None) -> Table:
    result = result or sustainability(system_id, period)
    rows = [[c.name, c.part, c.whole, None if c.value is None else c.value, percent(c.value)]
            for c in result.components]
    rows.append(["Sustainability index", "Mean of the defined components", "",
                 None if result.index is None else result.index / 100,
                 "n/a" if result.index is None else f"{result.index}"])
    return Table(name="sustainability", title="Sustainability index and its components",
                 columns=["Component", "Numerator", "Denominator", "Share", "Shown as"],
                 rows=rows, note="The index is 0 to 100; components are shares of 0 to 1.")
