"""Charts drawn on the server: SVG for the dashboard, PNG for chat cards.

A ``Chart`` says what to draw in plain data, so a page and a chat card describe the same
figures once and only the output format differs. Matplotlib is imported on first use (it
costs a second at start-up) and every drawing gets its own ``Figure``: no pyplot, no global
state, so threads may draw at once.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from typing import Literal

ChartKind = Literal["line", "bar", "barh"]
Format = Literal["svg", "png"]
PALETTE = ("#1f6feb", "#e5534b", "#2da44e", "#bf8700", "#8250df", "#57606a")
SIZE_IN = (5.0, 3.0)
PNG_DPI = 110
MAX_LABELS = 8


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


@functools.lru_cache(maxsize=128)
def render(chart: Chart, fmt: Format, empty_text: str = "") -> bytes:
    """The chart as SVG or PNG bytes; ``empty_text`` is written on a chart with no data.

    Drawing is deterministic, so the same figures are drawn once and then served from a
    small cache: a page viewed again costs its queries, not matplotlib's time.
    """
    figure = _matplotlib().Figure(figsize=SIZE_IN)
    axes = figure.add_subplot()
    axes.set_title(chart.title, fontsize=11, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    if chart.empty:
        axes.set_axis_off()
        axes.text(0.5, 0.5, empty_text, ha="center", va="center", transform=axes.transAxes)
    else:
        _draw(axes, chart)
        _format_values(axes, chart)
        if len(chart.series) > 1:
            axes.legend(frameon=False, fontsize=9)
    # Fixed margins: a constrained layout would lay the figure out twice, doubling the time.
    longest = max((len(c) for c in chart.categories), default=0) if chart.kind == "barh" else 0
    left = min(0.45, 0.1 + 0.013 * longest)
    figure.subplots_adjust(left=left, right=0.97, bottom=0.16, top=0.88)
    out = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(out, format=fmt, dpi=PNG_DPI, metadata=metadata)
    return out.getvalue()


@functools.cache
def _matplotlib():  # type: ignore[no-untyped-def]
    """matplotlib.figure, imported on first use. SVG text stays text (``svg.fonttype``
    none): smaller, faster, selectable; set once, before any drawing, never changed."""
    import matplotlib
    import matplotlib.figure

    matplotlib.rcParams["svg.fonttype"] = "none"
    return matplotlib.figure


def _format_values(axes, chart: Chart) -> None:  # type: ignore[no-untyped-def]
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    value_axis = axes.xaxis if chart.kind == "barh" else axes.yaxis
    if chart.percent:
        value_axis.set_major_formatter(PercentFormatter(xmax=1))
    else:
        value_axis.set_major_locator(MaxNLocator(integer=True))


def _draw(axes, chart: Chart) -> None:  # type: ignore[no-untyped-def]
    positions = list(range(len(chart.categories)))
    width = 0.8 / len(chart.series)
    for index, series in enumerate(chart.series):
        color = PALETTE[index % len(PALETTE)]
        if chart.kind == "line":
            axes.plot(positions, series.values, marker="o", markersize=3, color=color,
                      label=series.label)  # fmt: skip
            continue
        offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
        if chart.kind == "bar":
            axes.bar(offsets, series.values, width, color=color, label=series.label)
        else:
            axes.barh(offsets, series.values, width, color=color, label=series.label)
    if chart.kind == "barh":
        axes.set_yticks(positions, chart.categories)
        axes.invert_yaxis()
    else:
        axes.set_ylim(bottom=0)  # counts start at zero, or small changes look steep
        # A label on at most MAX_LABELS ticks: a long time axis stays legible and quick.
        step = max(1, -(-len(positions) // MAX_LABELS))
        axes.set_xticks(positions[::step], chart.categories[::step])
