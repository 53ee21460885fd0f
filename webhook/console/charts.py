"""The dashboard's charts as SVG geometry that templates/console/dashboard.html draws
(colours come from console.css: the console's CSP allows no inline style)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Sequence

from bot.dashboard.cells import MIN_CELL, Count
from bot.dashboard.figures import Dashboard
from bot.dashboard.filters import CHANNELS


def number(value: int) -> str:
    """A count with thousands separators."""
    return f"{value:,}"


@dataclass(frozen=True)
class Bar:
    """A rectangle with its value for hover and assistive text."""

    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Label:
    """A text in the chart."""

    x: float
    y: float
    text: str
    css: str = "chart__label"
    anchor: str = "start"


@dataclass(frozen=True)
class Rule:
    """A grid line."""

    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Chart:
    """An SVG chart: its accessible name and description, and what to draw."""

    id: str
    title: str
    description: str
    width: int
    height: int
    bars: List[Bar] = field(default_factory=list)
    labels: List[Label] = field(default_factory=list)
    rules: List[Rule] = field(default_factory=list)


def _fit(text: str, limit: int = 38) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def bar_chart(chart_id: str, title: str, rows: Sequence[Count], unit: str) -> Chart:
    """A horizontal bar chart, one bar per row; a suppressed row gets an outlined bar the
    length of MIN_CELL (an upper bound, never its true size)."""
    label_width, gap, bar_space, row_height = 250, 8, 330, 26
    lengths = [MIN_CELL if row.value is None else row.value for row in rows]
    largest = max(lengths + [1])
    chart = Chart(
        chart_id,
        title,
        f"Horizontal bar chart of {unit} per row; the same numbers are in the table below.",
        width=label_width + gap + bar_space + 100,
        height=len(rows) * row_height + 8,
    )
    for index, (row, size) in enumerate(zip(rows, lengths, strict=True)):
        top = 4 + index * row_height
        length = bar_space * size / largest
        css = "chart__bar chart__bar--suppressed" if row.value is None else "chart__bar"
        chart.bars.append(
            Bar(label_width + gap, top, length, 18, css, f"{row.label}: {_shown(row)} {unit}")
        )
        chart.labels.append(Label(label_width, top + 14, _fit(row.label), anchor="end"))
        chart.labels.append(
            Label(label_width + gap + length + 6, top + 14, _shown(row), "chart__value")
        )
    return chart


def _shown(row: Count) -> str:
    return row.shown if row.value is None else number(row.value)


def _step(largest: int) -> int:
    """A 1-2-5 grid step giving about four intervals up to `largest`."""
    rough = max(largest / 4, 1)
    magnitude = 10 ** math.floor(math.log10(rough))
    return int(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough))


def weekly_chart(chart_id: str, dashboard: Dashboard) -> Chart:
    """Conversations per week as stacked columns, one colour per channel, with a grid."""
    left, right, top, plot_height, bottom = 44, 8, 12, 200, 40
    width = 720
    weeks = dashboard.weeks
    step = _step(max([week.total for week in weeks] + [1]))
    ceiling = step * max(1, math.ceil(max([week.total for week in weeks] + [1]) / step))
    names = ", ".join(CHANNELS[name] for name in dashboard.channels)
    chart = Chart(
        chart_id,
        "Conversations started per week",
        f"Stacked columns, one per week starting Monday ({names}); "
        "the same numbers are in the table below.",
        width=width,
        height=top + plot_height + bottom,
    )
    baseline = top + plot_height
    for tick in range(0, ceiling + 1, step):
        y = baseline - plot_height * tick / ceiling
        chart.rules.append(Rule(left, y, width - right, y))
        chart.labels.append(Label(left - 6, y + 4, number(tick), "chart__axis", "end"))
    slot = (width - left - right) / max(len(weeks), 1)
    bar_width = min(slot * 0.7, 40)
    every = math.ceil(len(weeks) / 13)
    for index, week in enumerate(weeks):
        x = left + index * slot + (slot - bar_width) / 2
        stacked = 0
        for name in dashboard.channels:
            n = week.counts[name]
            if n:
                height = plot_height * n / ceiling
                y = baseline - plot_height * (stacked + n) / ceiling
                title = f"Week of {week.start}, {CHANNELS[name]}: {number(n)}"
                chart.bars.append(
                    Bar(x, y, bar_width, height, f"chart__bar chart__bar--{name}", title)
                )
                stacked += n
        centre = x + bar_width / 2
        if len(weeks) <= 26 and week.total:
            y = baseline - plot_height * week.total / ceiling - 4
            chart.labels.append(Label(centre, y, number(week.total), "chart__value", "middle"))
        if index % every == 0:
            text = f"{week.start:%b} {week.start.day}"
            chart.labels.append(Label(centre, baseline + 18, text, "chart__axis", "middle"))
    return chart


def charts_for(dashboard: Dashboard) -> dict:
    """Every chart of the page, by section."""
    return {
        "weeks": weekly_chart("chart-weeks", dashboard),
        "topics": bar_chart("chart-topics", "Topics asked about", dashboard.topics, "messages"),
        "towns": bar_chart("chart-towns", "Towns people looked up", dashboard.towns, "lookups"),
        "no_nearby": bar_chart(
            "chart-no-nearby",
            "Lookups with no nearby result, by town",
            dashboard.no_nearby_towns,
            "lookups",
        ),
        "outcomes": bar_chart(
            "chart-outcomes", "Handoff outcomes", dashboard.handoffs.outcomes, "handoffs"
        ),
        "referrals": bar_chart(
            "chart-referrals", "Referral tags", dashboard.handoffs.referrals, "handoffs"
        ),
        "reports": bar_chart(
            "chart-reports",
            "Wrong-listing reports per provider",
            dashboard.listing_reports,
            "reports",
        ),
    }
