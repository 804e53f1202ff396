"""Each report chart drawn from the very table shown beside it (so chart, table and CSV agree)."""

from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup

from hexqi.services import charts
from hexqi.services.reports import Table


def matrix_chart(table: Table, group: str) -> Markup:
    body = [r for r in table.rows if r[0] != "Total received"]
    receivers = table.columns[1:-1]
    return charts.heatmap(
        "matrix", table.title,
        f"Heatmap of hours given by each giver {group} (rows) to each receiver {group} "
        f"(columns); each shaded cell shows its hours as text; hatched cells are negative "
        f"(reversals). The table below has the same figures.",
        [r[0] for r in body], receivers, [r[1:-1] for r in body])


def net_chart(table: Table) -> Markup:
    return charts.bar_chart(
        "net", table.title,
        "Bar chart of each organisation's net hours: bars to the right of zero gave more "
        "than they received, hatched bars to the left received more than they gave.",
        [(r[0], r[3]) for r in table.rows],
        legend="Right of zero: net giver. Left (hatched): net receiver.")


def month_chart(table: Table) -> Markup:
    months = [r[0] for r in table.rows]
    return charts.line_chart(
        "month", table.title,
        "Line chart of hours given each month: total (solid line, circles), coaching sessions "
        "(dashed, squares) and training (dotted, triangles).",
        months,
        [("Total", [r[3] for r in table.rows]), ("Coaching sessions", [r[1] for r in table.rows]),
         ("Training", [r[2] for r in table.rows])],
        "Hours")


def skill_chart(table: Table) -> Markup:
    return charts.bar_chart(
        "skill", table.title, "Bar chart of total hours given for each QI skill.",
        [(r[0], r[3]) for r in table.rows])


def kind_chart(table: Table) -> Markup:
    return charts.paired_bars(
        "kind", table.title,
        "Paired bars for each organisation kind: hours given (solid) and hours received "
        "(hatched).", [(r[0], r[1], r[2]) for r in table.rows], ("Given", "Received"))


def pyramid_chart(table: Table) -> Markup:
    return charts.pyramid(
        "tiers", table.title,
        "Pyramid of people at the Lead, Live and Learn tiers across the system; a dashed "
        "outline marks each tier's dosing target.",
        [(r[0], r[1], r[2]) for r in table.rows])


def series_chart(table: Table) -> Markup:
    return charts.line_chart(
        "series", table.title,
        "Line chart of people at each tier at the end of each month: Learn (solid, circles), "
        "Live (dashed, squares), Lead (dotted, triangles).",
        [r[0] for r in table.rows],
        [(name, [r[i + 1] for r in table.rows]) for i, name in enumerate(("Learn", "Live",
                                                                         "Lead"))],
        "People")


def training_chart(table: Table) -> Markup:
    rows = [r for r in table.rows if r[0] != "All tiers"]
    return charts.paired_bars(
        "training", table.title,
        "Paired bars for each attendee tier: attendances (solid) and distinct people "
        "(hatched).", [(r[0], r[1], r[2]) for r in rows], ("Attendances", "Distinct people"),
        unit="attendances and people")


def impact_chart(table: Table) -> Markup:
    return charts.bar_chart(
        "impact-kind", table.title,
        "Bar chart of the number of projects supported, by the team's organisation kind.",
        [(r[0], r[1]) for r in table.rows], unit="projects")


def sustainability_chart(table: Table) -> Markup:
    items = [(r[0], r[3] * 100) for r in table.rows if isinstance(r[3], Decimal)]
    return charts.bar_chart(
        "index", table.title,
        "Bar chart of the sustainability index and each of its components, as percentages; "
        "components with nothing to measure are left out.", items, unit="percent")
