"""Server-side SVG charts: no JavaScript, no CDN.

Each function returns an accessible SVG string (``role="img"``, a ``<title>`` and a
``<desc>``, axis labels, values written as text) ready to embed with ``|safe``. Meaning
never rests on colour alone: values are printed, negative bars and second series are
hatched, lines differ by dash pattern and marker shape. Every label is escaped here.
Charts scale to their container (``width="100%"`` and a ``viewBox``); wide ones carry a
minimum width so a scrolling container keeps their text readable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

INK = "#1a1a1a"
MUTED = "#595959"
GRID = "#d0d0d0"
BLUE = "#1d4f91"
ORANGE = "#9a4a00"
FONT = "font-family=\"system-ui, sans-serif\""
Number = int | float | Decimal


def _e(text: Any) -> str:
    return str(escape(str(text)))


def num(value: Number | None) -> str:
    """A compact number for a chart: 12.5, 3, -0.25 (the tables carry the full figures)."""
    if value is None:
        return ""
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace("-", "\u2212")


def _short(label: str, limit: int) -> str:
    label = str(label)
    return label if len(label) <= limit else label[: limit - 1] + "\u2026"


def _nice(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-9:
            return step * power
    return 10 * power


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    step = _nice((high - low) / count if high > low else 1)
    start = math.floor(low / step) * step
    out, tick = [], start
    while tick <= high + step * 1e-6:
        out.append(round(tick, 10))
        tick += step
    return out


def _text(x: float, y: float, text: Any, anchor: str = "start", size: int = 13,
          fill: str = INK, extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}"{extra}>{_e(text)}</text>')


def _svg(ident: str, title: str, desc: str, width: float, height: float, body: list[str],
         min_width: int | None = None) -> Markup:
    # Never wider than drawn (text stays its designed size); never narrower than readable.
    style = f' style="max-width:{max(width, min_width or 0):.0f}px' + (
        f';min-width:{min_width}px"' if min_width else '"')
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="report-svg" width="100%" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{ident}-title {ident}-desc" {FONT}{style}>'
        f'<title id="{ident}-title">{_e(title)}</title><desc id="{ident}-desc">{_e(desc)}</desc>'
        f'{_hatch(ident)}' + "".join(body) + "</svg>"
    )


def _hatch(ident: str) -> str:
    return (f'<defs><pattern id="{ident}-hatch" width="6" height="6" '
            f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="6" height="6" fill="#fff"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{ORANGE}" stroke-width="3"/>'
            f'</pattern></defs>')


def _empty(ident: str, title: str, desc: str) -> Markup:
    return _svg(ident, title, desc, 480, 60,
                [_text(240, 35, "No data in this period", "middle", fill=MUTED)])


# --- heatmap ----------------------------------------------------------------------------------


def heatmap(ident: str, title: str, desc: str, rows: Sequence[str], columns: Sequence[str],
            values: Sequence[Sequence[Number | None]], row_axis: str = "Giver",
            column_axis: str = "Receiver", unit: str = "hours") -> Markup:
    """A matrix of shaded cells, each with its value written in it."""
    if not rows or not columns:
        return _empty(ident, title, desc)
    cell_w, cell_h, left = 56, 28, 200
    longest = min(max(len(str(c)) for c in columns), 22)
    top = 44 + int(longest * 6.2 * 0.77)
    # room on the right for the last column's label, which slants up and to the right
    width = left + cell_w * len(columns) + 10 + int(longest * 6.2 * 0.64)
    height = top + cell_h * len(rows) + 10
    biggest = max((abs(float(v)) for row in values for v in row if v), default=0) or 1.0
    body = [_text(8, 18, f"{row_axis}s down, {column_axis.lower()}s across ({unit})",
                  size=13, fill=MUTED)]
    for j, name in enumerate(columns):
        x = left + cell_w * j + cell_w / 2
        body.append(f'<g transform="translate({x:.1f},{top - 8}) rotate(-50)">'
                    f'<title>{_e(name)}</title>{_text(0, 0, _short(name, 22), size=12)}</g>')
    grid_w, grid_h = cell_w * len(columns), cell_h * len(rows)
    # the empty grid once: a white box ruled into cells (not a box per cell)
    body.append(f'<rect x="{left}" y="{top}" width="{grid_w}" height="{grid_h}" fill="#fff"/>'
                f'<path d="' + "".join(f"M{left} {top + cell_h * i}h{grid_w}"
                                       for i in range(len(rows) + 1))
                + "".join(f"M{left + cell_w * j} {top}v{grid_h}" for j in range(len(columns) + 1))
                + f'" stroke="{GRID}" fill="none"/>')
    receivers = [_e(c) for c in columns]
    unit_text = _e(unit)
    # cells share their text style; a cell's own text sets only what differs (white ink, halo)
    cells = [f'<g font-size="12" text-anchor="middle" fill="{INK}">']
    for i, name in enumerate(rows):
        y = top + cell_h * i
        giver = _e(name)
        body.append(f'<g><title>{giver}</title>'
                    f'{_text(left - 8, y + cell_h / 2 + 4, _short(name, 26), "end", 12)}</g>')
        for j, value in enumerate(values[i]):
            if not value:
                continue
            x = left + cell_w * j
            v = float(value)
            text = num(value)
            strength = 0.12 + 0.78 * abs(v) / biggest
            if v < 0:
                shade = f'fill="url(#{ident}-hatch)"'
                ink = ' stroke="#fff" stroke-width="4" paint-order="stroke"'
            else:
                shade = f'fill="{BLUE}" fill-opacity="{strength:.2f}"'
                ink = ' fill="#fff"' if strength > 0.55 else ""
            cells.append(
                f'<g><title>{giver} to {receivers[j]}: {text} {unit_text}</title>'
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'{shade}/><text x="{x + cell_w // 2}" y="{y + cell_h // 2 + 4}"{ink}>{text}'
                '</text></g>')
    body += [*cells, "</g>"]
    return _svg(ident, title, desc, width, height, body,
                min_width=int(width * 0.75) if len(columns) > 6 else None)


# --- bars -------------------------------------------------------------------------------------


def bar_chart(ident: str, title: str, desc: str, items: Sequence[tuple[str, Number]],
              unit: str = "hours", legend: str = "") -> Markup:
    """Horizontal bars from a zero line; negative bars point left and are hatched."""
    if not items:
        return _empty(ident, title, desc)
    width, left, right, row_h, top = 640, 210, 70, 26, 34 if legend else 12
    values = [float(v) for _, v in items]
    low, high = min(0.0, *values), max(0.0, *values)
    ticks = _ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    span = (high - low) or 1.0
    plot_w = width - left - right

    def x_of(v: float) -> float:
        return left + (v - low) / span * plot_w

    height = top + row_h * len(items) + 44
    body = [_text(8, 20, legend, size=12, fill=MUTED)] if legend else []
    for tick in ticks:
        x = x_of(tick)
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" '
                    f'y2="{top + row_h * len(items)}" stroke="{GRID}"/>')
        body.append(_text(x, top + row_h * len(items) + 16, num(tick), "middle", 11, MUTED))
    body.append(_text(left + plot_w / 2, height - 6, unit.capitalize(), "middle", 12, MUTED))
    zero = x_of(0)
    for i, (label, value) in enumerate(items):
        y = top + row_h * i
        v = float(value)
        x0, x1 = sorted((zero, x_of(v)))
        fill = f'url(#{ident}-hatch)' if v < 0 else BLUE
        sign = "+" if v > 0 and low < 0 else ""
        body.append(
            f'<g><title>{_e(label)}: {num(value)} {_e(unit)}</title>'
            f'{_text(left - 8, y + row_h / 2 + 4, _short(label, 28), "end", 12)}'
            f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 1):.1f}" height="{row_h - 8}" '
            f'fill="{fill}" stroke="{ORANGE if v < 0 else BLUE}"/>'
            # a negative bar's value sits just right of the zero line, clear of the labels
            + _text((x1 if v >= 0 else zero) + 4, y + row_h / 2 + 4, sign + num(value), size=12)
            + "</g>")
    body.append(f'<line x1="{zero:.1f}" y1="{top - 2}" x2="{zero:.1f}" '
                f'y2="{top + row_h * len(items)}" stroke="{INK}" stroke-width="1.5"/>')
    return _svg(ident, title, desc, width, height, body, min_width=420)


def paired_bars(ident: str, title: str, desc: str, items: Sequence[tuple[str, Number, Number]],
                names: tuple[str, str], unit: str = "hours") -> Markup:
    """Two bars per label: the first solid, the second hatched, each with its value."""
    if not items:
        return _empty(ident, title, desc)
    width, left, right, top, bar_h, gap = 640, 210, 70, 40, 14, 12
    high = _ticks(0, max((max(float(a), float(b)) for _, a, b in items), default=1) or 1)[-1]
    plot_w = width - left - right
    row_h = bar_h * 2 + gap
    height = top + row_h * len(items) + 40
    body = [
        f'<rect x="8" y="8" width="16" height="12" fill="{BLUE}"/>',
        _text(30, 19, names[0], size=12),
        f'<rect x="180" y="8" width="16" height="12" fill="url(#{ident}-hatch)" '
        f'stroke="{ORANGE}"/>',
        _text(202, 19, f"{names[1]} (hatched)", size=12),
    ]
    for tick in _ticks(0, high):
        x = left + tick / high * plot_w
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + row_h * len(items)}"'
                    f' stroke="{GRID}"/>')
        body.append(_text(x, top + row_h * len(items) + 16, num(tick), "middle", 11, MUTED))
    body.append(_text(left + plot_w / 2, height - 6, unit.capitalize(), "middle", 12, MUTED))
    for i, (label, a, b) in enumerate(items):
        y = top + row_h * i
        body.append(f'<g><title>{_e(label)}: {_e(names[0])} {num(a)}, {_e(names[1])} {num(b)}'
                    f'</title>{_text(left - 8, y + bar_h + 4, _short(label, 28), "end", 12)}')
        for k, value in enumerate((a, b)):
            w = max(float(value), 0) / high * plot_w
            yy = y + k * bar_h
            fill = BLUE if k == 0 else f'url(#{ident}-hatch)'
            body.append(f'<rect x="{left}" y="{yy + 1}" width="{max(w, 1):.1f}" '
                        f'height="{bar_h - 2}" fill="{fill}" stroke="{BLUE if k == 0 else ORANGE}"'
                        f'/>{_text(left + w + 4, yy + bar_h - 3, num(value), size=11)}')
        body.append("</g>")
    return _svg(ident, title, desc, width, height, body, min_width=420)


# --- lines ------------------------------------------------------------------------------------

DASHES = ("", "8 4", "2 4", "12 4 2 4")
MARKERS = ("circle", "square", "triangle", "diamond")


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if shape == "triangle":
        return (f'<polygon points="{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} '
                f'{x + 5:.1f},{y + 4:.1f}" fill="{colour}"/>')
    return (f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} '
            f'{x - 5:.1f},{y:.1f}" fill="{colour}"/>')


def line_chart(ident: str, title: str, desc: str, x_labels: Sequence[str],
               series: Sequence[tuple[str, Sequence[Number]]], y_label: str,
               x_label: str = "Month") -> Markup:
    """Lines over time; series differ by dash pattern and marker shape, named in a legend."""
    if not x_labels or not series:
        return _empty(ident, title, desc)
    width, height, left, right, top, bottom = 640, 340, 64, 24, 48, 70
    values = [float(v) for _, vs in series for v in vs]
    ticks = _ticks(min(0.0, *values), max(0.0, *values))
    low, high = ticks[0], ticks[-1]
    span = (high - low) or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(x_labels) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (step * i if len(x_labels) > 1 else plot_w / 2)
        return x, top + plot_h - (v - low) / span * plot_h

    body = []
    for tick in ticks:
        y = xy(0, tick)[1]
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                    f'stroke="{GRID}"/>')
        body.append(_text(left - 6, y + 4, num(tick), "end", 11, MUTED))
    body.append(f'<text x="14" y="{top + plot_h / 2:.1f}" font-size="12" fill="{MUTED}" '
                f'text-anchor="middle" transform="rotate(-90 14 {top + plot_h / 2:.1f})">'
                f'{_e(y_label)}</text>')
    body.append(_text(left + plot_w / 2, height - 6, x_label, "middle", 12, MUTED))
    every = max(1, math.ceil(len(x_labels) / 12))
    for i, label in enumerate(x_labels):
        if i % every == 0 or i == len(x_labels) - 1:
            x = xy(i, 0)[0]
            body.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" font-size="11" '
                        f'fill="{INK}" text-anchor="end" '
                        f'transform="rotate(-35 {x:.1f} {top + plot_h + 16})">{_e(label)}</text>')
    legend_x = left
    for k, (name, vs) in enumerate(series):
        dash, shape = DASHES[k % len(DASHES)], MARKERS[k % len(MARKERS)]
        colour = (BLUE, ORANGE, INK, MUTED)[k % 4]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        points = [xy(i, float(v)) for i, v in enumerate(vs)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{dash_attr}/>')
        for (x, y), label, v in zip(points, x_labels, vs, strict=False):
            body.append(f'<g><title>{_e(name)}, {_e(label)}: {num(v)}</title>'
                        f'{_marker(shape, x, y, colour)}</g>')
        body.append(f'<line x1="{legend_x}" y1="16" x2="{legend_x + 28}" y2="16" '
                    f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
                    f'{_marker(shape, legend_x + 14, 16, colour)}'
                    f'{_text(legend_x + 34, 20, name, size=12)}')
        legend_x += 44 + 7 * len(name)
    return _svg(ident, title, desc, width, height, body, min_width=420)


# --- pyramid ----------------------------------------------------------------------------------


def pyramid(ident: str, title: str, desc: str, levels: Sequence[tuple[str, Number, Number]],
            unit: str = "people") -> Markup:
    """Centred bars, top level first: the count solid, the target a dashed outline."""
    if not levels:
        return _empty(ident, title, desc)
    width, row_h, top, centre, half = 640, 64, 10, 320, 300
    biggest = max((max(float(v), float(t)) for _, v, t in levels), default=0) or 1.0
    body = []
    for i, (label, value, goal) in enumerate(levels):
        y = top + row_h * i
        w = float(value) / biggest * half
        tw = float(goal) / biggest * half
        body.append(f'<g><title>{_e(label)}: {num(value)} {_e(unit)}, target {num(goal)}</title>'
                    f'<rect x="{centre - w:.1f}" y="{y + 6}" width="{max(2 * w, 1):.1f}" '
                    f'height="{row_h - 30}" fill="{BLUE}" fill-opacity="0.85"/>')
        if goal:
            body.append(f'<rect x="{centre - tw:.1f}" y="{y + 3}" width="{2 * tw:.1f}" '
                        f'height="{row_h - 24}" fill="none" stroke="{ORANGE}" stroke-width="2"'
                        f' stroke-dasharray="6 4"/>')
        body.append(_text(centre, y + row_h - 6, f"{label}: {num(value)} {unit} "
                          f"(target {num(goal)})", "middle", 13) + "</g>")
    body.append(_text(8, top + row_h * len(levels) + 16,
                      "Solid bar: people now. Dashed outline: the dosing target.", size=12,
                      fill=MUTED))
    return _svg(ident, title, desc, width, top + row_h * len(levels) + 26, body)
