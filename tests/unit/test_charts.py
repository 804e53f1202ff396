"""The SVG charts are well-formed, accessible, and carry their labels as text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from hexqi.services import charts

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox", "").startswith("0 0 ")
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title is not None and title.text
    assert desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def test_heatmap_writes_each_value_in_its_cell_and_escapes_labels():
    svg = charts.heatmap("hm", "Hours <given>", "Matrix & more",
                         ["St Mary's <Trust>", "GP & Co"], ["Hospice", "Council"],
                         [[Decimal("1.50"), None], [Decimal("0.25"), Decimal("12")]])
    root = parse(svg)
    assert root.find(f"{NS}title").text == "Hours <given>"
    labels = texts(root)
    assert "St Mary's <Trust>" in labels and "GP & Co" in labels
    assert "Hospice" in labels and "Council" in labels
    assert {"1.5", "0.25", "12"} <= set(labels)
    # the empty pair has no value text and no shaded cell
    assert len([t for t in labels if t in {"1.5", "0.25", "12"}]) == 3


def test_heatmap_marks_negative_cells_by_pattern_and_minus_sign():
    root = parse(charts.heatmap("neg", "t", "d", ["A"], ["B"], [[Decimal("-2")]]))
    assert "\u22122" in texts(root)
    fills = [r.get("fill") for r in root.iter(f"{NS}rect")]
    assert "url(#neg-hatch)" in fills


def test_wide_heatmap_keeps_a_readable_minimum_width():
    names = [f"Organisation {i}" for i in range(51)]
    values = [[i + j if (i + j) % 7 == 0 else None for j in range(51)] for i in range(51)]
    root = parse(charts.heatmap("wide", "t", "d", names, names, values))
    assert "min-width" in root.get("style", "")
    assert "Organisation 50" in texts(root)


def test_bar_chart_labels_positive_and_negative_bars():
    root = parse(charts.bar_chart("net", "Net", "desc", [("Giver org", 5), ("Taker org", -3.5)],
                                  legend="Right: gave more"))
    labels = texts(root)
    assert "Giver org" in labels and "Taker org" in labels
    assert "+5" in labels and "\u22123.5" in labels
    assert "Right: gave more" in labels and "Hours" in labels


def test_line_chart_has_legend_axis_labels_and_one_marker_per_point():
    root = parse(charts.line_chart("ln", "By month", "desc", ["2025-01", "2025-02", "2025-03"],
                                   [("Total", [1, 2, 3]), ("Training", [0, 1, 0])], "Hours"))
    labels = texts(root)
    assert {"Total", "Training", "Hours", "Month", "2025-01", "2025-03"} <= set(labels)
    assert len(list(root.iter(f"{NS}polyline"))) == 2
    dashes = [p.get("stroke-dasharray") for p in root.iter(f"{NS}polyline")]
    assert dashes[0] != dashes[1]


def test_paired_bars_and_pyramid_write_values():
    root = parse(charts.paired_bars("pb", "t", "d", [("Acute trust", 4, 2)],
                                    ("Given", "Received")))
    assert {"Acute trust", "4", "2", "Given", "Received (hatched)"} <= set(texts(root))
    root = parse(charts.pyramid("py", "t", "d", [("Lead", 3, 5), ("Live", 6, 8),
                                                 ("Learn", 20, 15)]))
    assert "Lead: 3 people (target 5)" in texts(root)


@pytest.mark.parametrize("chart", [
    lambda: charts.heatmap("e", "t", "d", [], [], []),
    lambda: charts.bar_chart("e", "t", "d", []),
    lambda: charts.line_chart("e", "t", "d", [], [], "y"),
    lambda: charts.pyramid("e", "t", "d", []),
])
def test_empty_charts_say_so(chart):
    assert "No data in this period" in texts(parse(chart()))


def test_numbers_are_compact():
    assert charts.num(Decimal("12.50")) == "12.5"
    assert charts.num(3) == "3"
    assert charts.num(-0.25) == "\u22120.25"
    assert charts.num(None) == ""
