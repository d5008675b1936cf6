"""Points per kind of deed, from the ``points`` section of the YAML.

Every feature that awards points asks here, so the values are validated in one place.
"""

from __future__ import annotations

from typing import Final, Literal

from bot.config import Config, ConfigError

PointKind = Literal[
    "share_intent",
    "human_click",
    "draft_published",
    "request_resolved",
    "policy_acknowledged",
    "training_passed",
]
KINDS: Final[tuple[PointKind, ...]] = (
    "share_intent",
    "human_click",
    "draft_published",
    "request_resolved",
    "policy_acknowledged",
    "training_passed",
)


def points_for(config: Config, kind: PointKind) -> int:
    """What ``kind`` earns; 0 when the YAML leaves it out (nothing is then awarded)."""
    section = config.raw.get("points") or {}
    if not isinstance(section, dict):
        raise ConfigError("points: expected a mapping of kinds to whole numbers")
    value = section.get(kind, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"points.{kind}: expected a whole number, 0 or more")
    return value
