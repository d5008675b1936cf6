"""The periods standing is measured over, and how their words are read."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from bot.context import Context
from storage.people import utcnow

PERIODS: Final = (7, 30, 90)
DEFAULT_PERIOD: Final = 30


def parse_period(word: str) -> int | None:
    """``7``, ``30`` or ``90`` (``30d`` and ``30g`` too); None for anything else."""
    text = word.strip().lower().removesuffix("d").removesuffix("g")
    return int(text) if text.isdigit() and int(text) in PERIODS else None


def since(days: int, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=days)


def period_label(ctx: Context, days: int) -> str:
    return ctx.tn("last {n} day", "last {n} days", days)
