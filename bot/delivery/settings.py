"""The ``campaigns:`` section of the YAML config, parsed once and checked at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.config import Config, ConfigError


@dataclass(frozen=True)
class WorkingHours:
    """Deliveries wait for the recipient's local window; ``enabled`` false sends at once."""

    enabled: bool = True
    start: time = time(9, 0)
    end: time = time(18, 0)
    skip_weekends: bool = True
    default_timezone: str = "Europe/Istanbul"


@dataclass(frozen=True)
class CampaignSettings:
    hours: WorkingHours = WorkingHours()
    # Messages per second, shared by every worker process (bot.delivery.limits); 0 turns a
    # limit off. ``rates``: per Slack workspace / Teams tenant. ``conversation_rates``: per
    # conversation (a DM or channel), Slack's 1/s per channel and Teams' 7/s.
    rates: tuple[tuple[str, float], ...] = (("slack", 20.0), ("teams", 20.0))
    conversation_rates: tuple[tuple[str, float], ...] = (("slack", 1.0), ("teams", 7.0))
    attempts: int = 5
    backoff_seconds: float = 2.0
    batch: int = 100
    concurrency: int = 32
    lease_seconds: float = 120.0

    def rate(self, platform: str) -> float:
        return dict(self.rates).get(platform, 0.0)


def campaign_settings(config: Config) -> CampaignSettings:
    raw: Any = config.raw.get("campaigns") or {}
    if not isinstance(raw, dict):
        raise ConfigError("campaigns: expected a mapping")
    try:
        hours_raw = raw.get("working_hours") or {}
        defaults = WorkingHours()
        hours = WorkingHours(
            enabled=bool(hours_raw.get("enabled", defaults.enabled)),
            start=_time(hours_raw.get("start"), defaults.start),
            end=_time(hours_raw.get("end"), defaults.end),
            skip_weekends=bool(hours_raw.get("skip_weekends", defaults.skip_weekends)),
            default_timezone=str(hours_raw.get("default_timezone", defaults.default_timezone)),
        )
        if hours.end <= hours.start:
            raise ConfigError("campaigns.working_hours: end must come after start")
        base = CampaignSettings()
        settings = CampaignSettings(
            hours=hours,
            rates=_rates(raw, "rate_per_second", base.rates),
            conversation_rates=_rates(raw, "conversation_rate_per_second", base.conversation_rates),
            attempts=int(raw.get("attempts", base.attempts)),
            backoff_seconds=float(raw.get("backoff_seconds", base.backoff_seconds)),
            batch=int(raw.get("batch", base.batch)),
            concurrency=int(raw.get("concurrency", base.concurrency)),
            lease_seconds=float(raw.get("lease_seconds", base.lease_seconds)),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"campaigns: {exc}") from exc
    if settings.attempts < 1 or settings.batch < 1 or settings.concurrency < 1:
        raise ConfigError("campaigns: attempts, batch and concurrency must be at least 1")
    return settings


def _rates(
    raw: dict[str, Any], name: str, defaults: tuple[tuple[str, float], ...]
) -> tuple[tuple[str, float], ...]:
    rates = dict(defaults)
    for platform, value in (raw.get(name) or {}).items():
        rates[str(platform)] = float(value)
    if any(value < 0 for value in rates.values()):
        raise ConfigError(f"campaigns.{name}: rates cannot be negative")
    return tuple(sorted(rates.items()))


def _time(value: Any, default: time) -> time:
    if value is None:
        return default
    return time.fromisoformat(str(value))
