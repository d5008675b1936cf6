"""Times as people read and type them: in their own time zone, stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every one we store is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def shown(moment: datetime, zone_name: str | None) -> str:
    local = aware(moment).astimezone(zone(zone_name))
    return f"{local:%Y-%m-%d %H:%M} ({local.tzname()})"


def parse_clock(text: str) -> time | None:
    """``9:30`` or ``09:30``; None when it is not a time of day."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        return None
    if int(hours) > 23 or int(minutes) > 59:
        return None
    return time(int(hours), int(minutes))


def combine(day: str, clock: time | None, zone_name: str | None) -> datetime:
    """The UTC moment of ``day`` (ISO date) at ``clock`` (midnight when None), local time."""
    local = datetime.combine(date.fromisoformat(day), clock or time(0, 0), zone(zone_name))
    return local.astimezone(UTC)
