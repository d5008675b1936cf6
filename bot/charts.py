"""Charts drawn on the server: SVG for the dashboard, PNG for chat cards.

A ``Chart`` says what to draw in plain data, so a page and a chat card describe the same
figures once and only the output format differs. Matplotlib is imported on first use (it
costs a second at start-up) and every drawing gets its own ``Figure``: no pyplot, no global
state, so threads may draw at once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

ChartKind = Literal["line", "bar", "barh"]
Format = Literal["svg", "png"]
PALETTE = ("#1f6feb", "#e5534b", "#2da44e", "#bf8700", "#8250df", "#57606a")
SIZE_IN = (5.0, 3.0)
PNG_DPI = 110


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Chart:
    """``categories`` label the x axis (the y axis for ``barh``); one value per category
    in each series. ``percent`` shows values (fractions) as percentages."""

    kind: ChartKind
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    percent: bool = False

    @property
    def empty(self) -> bool:
        return not self.categories or not any(any(s.values) for s in self.series)


def render(chart: Chart, fmt: Format, empty_text: str = "") -> bytes:
    """The chart as SVG or PNG bytes; ``empty_text`` is written on a chart with no data."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    figure = Figure(figsize=SIZE_IN, layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(chart.title, fontsize=11, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    if chart.empty:
        axes.set_axis_off()
        axes.text(0.5, 0.5, empty_text, ha="center", va="center", transform=axes.transAxes)
    else:
        _draw(axes, chart)
        value_axis = axes.xaxis if chart.kind == "barh" else axes.yaxis
        if chart.percent:
            value_axis.set_major_formatter(PercentFormatter(xmax=1))
        else:
            value_axis.set_major_locator(MaxNLocator(integer=True))
        if len(chart.series) > 1:
            axes.legend(frameon=False, fontsize=9)
    out = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(out, format=fmt, dpi=PNG_DPI, metadata=metadata)
    return out.getvalue()


def _draw(axes, chart: Chart) -> None:  # type: ignore[no-untyped-def]
    positions = range(len(chart.categories))
    width = 0.8 / len(chart.series)
    for index, series in enumerate(chart.series):
        color = PALETTE[index % len(PALETTE)]
        if chart.kind == "line":
            axes.plot(chart.categories, series.values, marker="o", color=color, label=series.label)
            continue
        offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
        if chart.kind == "bar":
            axes.bar(offsets, series.values, width, color=color, label=series.label)
        else:
            axes.barh(offsets, series.values, width, color=color, label=series.label)
    if chart.kind == "bar":
        axes.set_xticks(list(positions), chart.categories)
    elif chart.kind == "barh":
        axes.set_yticks(list(positions), chart.categories)
        axes.invert_yaxis()
    if chart.kind == "line" and len(chart.categories) > 8:
        axes.tick_params(axis="x", labelrotation=45, labelsize=8)
