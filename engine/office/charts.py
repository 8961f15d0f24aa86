"""Bar charts as inline SVG, for reports that must work offline in one file.

Plain horizontal bars (label, bar, value) are all the reports need; drawn here from a template
so the same figures always give the same bytes (charting libraries stamp their SVG with the
date and random ids) and every label is escaped by the template."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup

from engine.office.files import render

WIDTH = 720
LABEL_WIDTH = 260
BAR_SPACE = 340
ROW_HEIGHT = 26


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    text: str  # the value as shown beside the bar
    x: int = 0
    y: int = 0
    width: int = 0


def bar_chart(title: str, items: list[tuple[str, Decimal, str]], reference: tuple[Decimal, str] | None = None) -> Markup:
    """An SVG of one bar per (label, value, shown text), scaled to the largest value (and the
    reference line's value, e.g. 100% for a loss ratio)."""
    largest = max([value for _, value, _ in items] + ([reference[0]] if reference else []) + [Decimal(0)])
    bars = []
    for index, (label, value, text) in enumerate(items):
        width = int(BAR_SPACE * value / largest) if largest > 0 and value > 0 else 0
        bars.append(Bar(label, value, text, LABEL_WIDTH, 30 + index * ROW_HEIGHT, max(width, 1 if value > 0 else 0)))
    height = 40 + max(len(items), 1) * ROW_HEIGHT
    line = None
    if reference is not None and largest > 0:
        line = (LABEL_WIDTH + int(BAR_SPACE * reference[0] / largest), reference[1])
    return Markup(render("chart.svg", title=title, bars=bars, width=WIDTH, height=height, label_width=LABEL_WIDTH,
                  row_height=ROW_HEIGHT, reference=line))
