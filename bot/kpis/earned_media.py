"""Earned media value: what the same reach would have cost as paid advertising.

Each share is taken to reach ``impressions_per_share`` people (valued at the network's CPM,
per thousand) and each human click is valued at the network's CPC. The rates are HR's
estimates, set per network in the ``kpis: earned_media:`` section of the YAML config and
checked at start-up like every other section.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import Config, ConfigError


@dataclass(frozen=True)
class NetworkRates:
    cpc: float  # cost per click
    cpm: float  # cost per thousand impressions
    impressions_per_share: float


@dataclass(frozen=True)
class EarnedMediaSettings:
    currency: str
    networks: tuple[tuple[str, NetworkRates], ...]

    def rates(self, network: str) -> NetworkRates | None:
        return dict(self.networks).get(network)

    def value(self, shares: Mapping[str, int], clicks: Mapping[str, int]) -> float:
        """The value of ``shares`` and human ``clicks`` counted per network, rounded to cents;
        a network without rates is worth nothing (rather than a guess)."""
        total = 0.0
        for network in {*shares, *clicks}:
            rates = self.rates(network)
            if rates is not None:
                impressions = shares.get(network, 0) * rates.impressions_per_share
                total += impressions * rates.cpm / 1000 + clicks.get(network, 0) * rates.cpc
        return round(total, 2)


def earned_media_settings(config: Config) -> EarnedMediaSettings:
    """The ``kpis.earned_media`` section; raises ``ConfigError`` naming the bad key."""
    section: Any = config.raw.get("kpis") or {}
    if not isinstance(section, dict):
        raise ConfigError("kpis: expected a mapping")
    raw: Any = section.get("earned_media") or {}
    if not isinstance(raw, dict) or not isinstance(raw.get("networks") or {}, dict):
        raise ConfigError("kpis.earned_media: expected a mapping with a 'networks' mapping")
    networks = tuple(
        (str(name), _rates(f"kpis.earned_media.networks.{name}", entry))
        for name, entry in sorted((raw.get("networks") or {}).items())
    )
    return EarnedMediaSettings(currency=str(raw.get("currency", "USD")), networks=networks)


def _rates(where: str, entry: Any) -> NetworkRates:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected cpc, cpm and impressions_per_share")
    values: dict[str, float] = {}
    for name in ("cpc", "cpm", "impressions_per_share"):
        try:
            values[name] = float(entry.get(name, 0))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}.{name}: {entry.get(name)!r} is not a number") from exc
        if values[name] < 0:
            raise ConfigError(f"{where}.{name}: cannot be negative")
    return NetworkRates(**values)
