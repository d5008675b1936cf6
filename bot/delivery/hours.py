"""When a delivery may go: the recipient's local working hours, weekends skipped if set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.delivery.settings import WorkingHours


def zone(name: str | None, default: str) -> ZoneInfo:
    for candidate in (name, default):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def next_slot(now: datetime, timezone: str | None, hours: WorkingHours) -> datetime:
    """The earliest moment at or after ``now`` inside the person's window (UTC)."""
    if not hours.enabled:
        return now
    local = now.astimezone(zone(timezone, hours.default_timezone))
    for _ in range(8):
        workday = not (hours.skip_weekends and local.weekday() >= 5)
        start = local.replace(
            hour=hours.start.hour, minute=hours.start.minute, second=0, microsecond=0
        )
        end = local.replace(hour=hours.end.hour, minute=hours.end.minute, second=0, microsecond=0)
        if workday and local < end:
            return max(local, start).astimezone(UTC)
        local = (start + timedelta(days=1)).replace(hour=0, minute=0)
    return now  # unreachable with a sane window
