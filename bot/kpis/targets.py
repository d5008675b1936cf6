"""Progress against a campaign's KPI targets (set with ``elci campaign create --kpi``).

The targets are the names in ``bot.delivery.ledger.KPIS``; the time to first share is the
one where lower is better, compared with the median.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.kpis.engagement import Engagement

LOWER_IS_BETTER = frozenset({"time_to_first_share_hours"})


@dataclass(frozen=True)
class TargetProgress:
    name: str
    target: float
    actual: float | None  # None: nothing to measure yet (e.g. nobody shared)
    progress: float  # 0..1, for a progress bar
    met: bool


def actuals(totals: Engagement) -> dict[str, float | None]:
    """The measured value of every KPI a target can name."""
    return {
        "shares": float(totals.shares),
        "human_clicks": float(totals.human_clicks),
        "participation_rate": totals.participation_rate,
        "time_to_first_share_hours": totals.first_share_median_hours,
    }


def progress(targets: Mapping[str, Any], totals: Engagement) -> tuple[TargetProgress, ...]:
    measured = actuals(totals)
    found = []
    for name, value in sorted(targets.items()):
        target = float(value)
        actual = measured.get(name)
        found.append(_progress(name, target, actual))
    return tuple(found)


def _progress(name: str, target: float, actual: float | None) -> TargetProgress:
    if actual is None:
        return TargetProgress(name, target, None, 0.0, False)
    if name in LOWER_IS_BETTER:
        met = actual <= target
        share = 1.0 if met else (target / actual if actual else 1.0)
    else:
        met = actual >= target
        share = 1.0 if met or target == 0 else actual / target
    return TargetProgress(name, target, actual, round(min(1.0, max(0.0, share)), 4), met)
