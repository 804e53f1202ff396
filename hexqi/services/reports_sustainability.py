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

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import (
    Account,
    Organisation,
    Team,
    Transfer,
    TransferKind,
)
from hexqi.services.reports import Flow, Period, Table, alias, flows, hours, percent, share
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


def reciprocity(system_id: int, period: Period, rows: list[Flow] | None = None) -> Component:
    names = set(db.session.scalars(
        sa.select(Organisation.name)
        .where(Organisation.system_id == system_id, Organisation.active)))
    active = len(names)
    both = sum(1 for name, given, received in
               given_received_minutes(system_id, period, "organisation", rows)
               if name in names and given > 0 and received > 0)
    return Component("Reciprocity", f"{both} organisations both gave and received",
                     f"{active} active organisations", share(both, active))


def _detail(system_id: int, period: Period, rows: list[Flow] | None) -> list[Flow]:
    return flows(system_id, period, detail=True) if rows is None else rows


def home_grown(system_id: int, period: Period, rows: list[Flow] | None = None) -> Component:
    """``rows``: :func:`flows` in detail (they say whether the giver was once in Learn)."""
    rows = _detail(system_id, period, rows)
    total = sum(f.minutes for f in rows)
    learn = sum(f.minutes for f in rows if f.learn)
    return Component("Home-grown coaching",
                     f"{hours(learn)} hours given by people once in the Learn tier",
                     f"{hours(total)} hours given", share(learn, total) if total > 0 else None)


def donated_minutes(system_id: int, period: Period) -> dict[int | None, int]:
    """Minutes donated to each of the system's teams in the period, net of reversals."""
    t = alias(Transfer, "t")
    original = alias(Transfer, "original")
    in_period = (t.created_at >= period.starts_at, t.created_at < period.ends_before)
    flows_in = sa.union_all(
        sa.select(t.credit_account_id.label("account_id"), t.minutes.label("minutes"))
        .where(*in_period, t.kind == TransferKind.DONATION),
        sa.select(t.debit_account_id.label("account_id"), (-t.minutes).label("minutes"))
        .select_from(t).join(original, original.id == t.reverses_id)
        .where(*in_period, t.kind == TransferKind.REVERSAL,
               original.kind == TransferKind.DONATION),
    ).subquery("donations")
    return {team_id: int(minutes) for team_id, minutes in db.session.execute(
        sa.select(Account.team_id, sa.func.sum(flows_in.c.minutes))
        .select_from(flows_in)
        .join(Account, Account.id == flows_in.c.account_id)
        .join(Team, Team.id == Account.team_id)
        .join(Organisation, Organisation.id == Team.organisation_id)
        .where(Organisation.system_id == system_id)
        .group_by(Account.team_id)
    )}


def earned_funding(system_id: int, period: Period, rows: list[Flow] | None = None
                   ) -> Component:
    """Σ per team of min(session minutes received, minutes donated) over Σ session minutes.

    ``rows``: :func:`flows` in detail (they carry the receiving team)."""
    spent: dict[int | None, int] = defaultdict(int)
    for f in _detail(system_id, period, rows):
        if f.source_kind == TransferKind.SESSION.value:
            spent[f.receiver_team_id] += f.minutes
    donated = donated_minutes(system_id, period)
    spent_total = covered_total = 0
    for team_id in spent.keys() | donated.keys():
        used, given = spent.get(team_id, 0), donated.get(team_id, 0)
        spent_total += used
        if used > 0 and given > 0:
            covered_total += min(used, given)
    return Component("Earned funding",
                     f"{hours(covered_total)} session hours covered by donated credits",
                     f"{hours(spent_total)} session hours teams received",
                     share(covered_total, spent_total) if spent_total > 0 else None)


def sustainability(system_id: int, period: Period, rows: list[Flow] | None = None
                   ) -> Sustainability:
    """The three components; ``rows`` (:func:`flows` in detail) are fetched once if not given."""
    rows = _detail(system_id, period, rows)
    return Sustainability([reciprocity(system_id, period, rows),
                           home_grown(system_id, period, rows),
                           earned_funding(system_id, period, rows)])


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
