"""Every report table by its CSV name, and the overview the reports dashboard shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from hexqi.services import (
    reports_hours,
    reports_impact,
    reports_pipeline,
    reports_sustainability,
)
from hexqi.services.errors import NotFound
from hexqi.services.reports import Period, Table, flows, hours

Builder = Callable[[int, Period, str], Table]

TABLES: dict[str, Builder] = {
    "overview": lambda s, p, g: overview(s, p).table(),
    "hours-matrix": lambda s, p, g: reports_hours.hours_matrix(s, p, g),
    "net-givers": lambda s, p, g: reports_hours.net_givers(s, p),
    "hours-by-month": lambda s, p, g: reports_hours.hours_by_month(s, p),
    "hours-by-skill": lambda s, p, g: reports_hours.hours_by_skill(s, p),
    "hours-by-kind": lambda s, p, g: reports_hours.hours_by_kind(s, p),
    "pyramid": lambda s, p, g: reports_pipeline.pyramid_table(s, p),
    "system-tiers": lambda s, p, g: reports_pipeline.system_tiers_table(s, p),
    "tier-series": lambda s, p, g: reports_pipeline.tier_series(s, p),
    "training": lambda s, p, g: reports_pipeline.training_table(s, p),
    "impact-measures": lambda s, p, g: reports_impact.measures_table(s, p),
    "impact-projects": lambda s, p, g: reports_impact.projects_table(s, p).table,
    "impact-by-kind": lambda s, p, g: reports_impact.projects_by_kind(s, p),
    "sustainability": lambda s, p, g: reports_sustainability.sustainability_table(s, p),
}


def build_table(name: str, system_id: int, period: Period, group: str = "kind") -> Table:
    """The table behind a chart or list, exactly as its page shows it (all pages of a list)."""
    builder = TABLES.get(name)
    if builder is None:
        raise NotFound("There is no report by that name.")
    return builder(system_id, period, reports_hours.check_group(group))


@dataclass
class Overview:
    hours_total: Decimal
    hours_across: Decimal
    giving: int
    receiving: int
    index: reports_sustainability.Sustainability
    tiers: dict[str, int]
    projects: int

    def table(self) -> Table:
        index = self.index.index
        return Table(
            name="overview", title="Overview",
            columns=["Measure", "Value"],
            rows=[
                ["Hours given", self.hours_total],
                ["Hours given across organisations", self.hours_across],
                ["Organisations giving hours", self.giving],
                ["Organisations receiving hours", self.receiving],
                ["Sustainability index (0 to 100)", "n/a" if index is None else index],
                *[[f"People at {name}", n] for name, n in self.tiers.items()],
                ["Projects supported", self.projects],
            ],
        )


def overview(system_id: int, period: Period) -> Overview:
    """The dashboard's cards: a handful of aggregate queries (the ledger is summed once)."""
    rows = flows(system_id, period, detail=True)
    totals = reports_hours.hours_totals(system_id, period, rows)
    sides = reports_hours.given_received_minutes(system_id, period, "organisation", rows)
    _rows, system = reports_pipeline.pyramid_rows(system_id, period)
    return Overview(
        hours_total=hours(totals["total"]),
        hours_across=hours(totals["across"]),
        giving=sum(1 for _, g, _r in sides if g > 0),
        receiving=sum(1 for _, _g, r in sides if r > 0),
        index=reports_sustainability.sustainability(system_id, period, rows),
        tiers={reports_pipeline.TIER_NAMES[t]: system.counts[t]
               for t in reports_pipeline.TIERS},
        projects=reports_impact.projects_supported(system_id, period),
    )
