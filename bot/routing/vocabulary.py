"""The departments' routing settings from the YAML: desks, vocabulary and thresholds.

``departments.<key>`` holds a department's names (``en``, ``tr``) and, optionally, its
description, queue, agents, lead, first-response SLA and routing vocabulary; the top-level
``routing`` section holds the thresholds and the small talk that is never routed. A mistake
raises :class:`bot.config.ConfigError` naming the key, at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import Config, ConfigError
from bot.i18n import DEFAULT, SUPPORTED

DEFAULT_SLA_HOURS = 24.0
DEFAULT_THRESHOLD = 0.35
DEFAULT_MIN_COVERAGE = 0.35
QUEUE_PLATFORMS = ("slack", "teams")


@dataclass(frozen=True)
class Desk:
    """One department as the routing feature sees it."""

    key: str
    names: tuple[tuple[str, str], ...]
    description: tuple[tuple[str, str], ...]
    queue: tuple[tuple[str, str], ...]  # (platform, channel id)
    agents: tuple[str, ...]  # lower-cased emails
    lead: str | None
    sla_hours: float
    keywords: tuple[str, ...]
    examples: tuple[str, ...]

    def name(self, locale: str) -> str:
        found = dict(self.names)
        return found.get(locale) or found.get(DEFAULT) or self.key

    def describe(self, locale: str) -> str:
        found = dict(self.description)
        return found.get(locale) or found.get(DEFAULT) or ""


@dataclass(frozen=True)
class Vocabulary:
    desks: tuple[Desk, ...]
    threshold: float
    min_coverage: float
    small_talk: tuple[str, ...]

    def desk(self, key: str | None) -> Desk | None:
        return next((desk for desk in self.desks if desk.key == key), None)


def vocabulary_of(config: Config) -> Vocabulary:
    return parse(config.raw)


def parse(raw: Mapping[str, Any]) -> Vocabulary:
    departments = raw.get("departments") or {}
    _expect(isinstance(departments, Mapping), "departments", "expected a mapping")
    desks = tuple(
        _desk(str(key), entry, f"departments.{key}") for key, entry in departments.items()
    )
    section = raw.get("routing") or {}
    _expect(isinstance(section, Mapping), "routing", "expected a mapping")
    return Vocabulary(
        desks=desks,
        threshold=_fraction(section, "confidence_threshold", DEFAULT_THRESHOLD),
        min_coverage=_fraction(section, "min_coverage", DEFAULT_MIN_COVERAGE),
        small_talk=_phrases(section.get("small_talk"), "routing.small_talk"),
    )


def _desk(key: str, entry: Any, where: str) -> Desk:
    entry = entry or {}
    _expect(isinstance(entry, Mapping), where, "expected a mapping with en and tr names")
    sla = entry.get("sla_hours", DEFAULT_SLA_HOURS)
    _expect(
        isinstance(sla, int | float) and not isinstance(sla, bool) and sla > 0,
        f"{where}.sla_hours",
        "expected a number of hours above 0",
    )
    lead = entry.get("lead")
    _expect(lead is None or _is_email(lead), f"{where}.lead", "expected an email address")
    agents = entry.get("agents") or []
    _expect(
        isinstance(agents, list) and all(_is_email(agent) for agent in agents),
        f"{where}.agents",
        "expected a list of email addresses",
    )
    return Desk(
        key=key,
        names=tuple((lang, str(entry[lang])) for lang in SUPPORTED if entry.get(lang)),
        description=_localized(entry.get("description"), f"{where}.description"),
        queue=_queue(entry.get("queue"), f"{where}.queue"),
        agents=tuple(agent.strip().lower() for agent in agents),
        lead=lead.strip().lower() if lead else None,
        sla_hours=float(sla),
        keywords=_phrases(entry.get("keywords"), f"{where}.keywords"),
        examples=_phrases(entry.get("examples"), f"{where}.examples"),
    )


def _queue(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    value = value or {}
    _expect(isinstance(value, Mapping), where, "expected a mapping such as {slack: C0123}")
    unknown = sorted(str(name) for name in value if name not in QUEUE_PLATFORMS)
    _expect(not unknown, where, f"unknown platform {', '.join(unknown)} (expected slack, teams)")
    return tuple((name, str(value[name]).strip()) for name in QUEUE_PLATFORMS if value.get(name))


def _localized(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    value = value or {}
    _expect(isinstance(value, Mapping), where, "expected a mapping of languages (en, tr)")
    _expect(all(lang in SUPPORTED for lang in value), where, "expected the languages en, tr")
    return tuple((lang, str(value[lang]).strip()) for lang in SUPPORTED if value.get(lang))


def _phrases(value: Any, where: str) -> tuple[str, ...]:
    """Phrases of every language together: the router reads both languages alike."""
    value = value or {}
    _expect(isinstance(value, Mapping), where, "expected a mapping of languages to lists")
    found: list[str] = []
    for lang, items in value.items():
        _expect(lang in SUPPORTED, f"{where}.{lang}", "expected the languages en, tr")
        _expect(isinstance(items, list), f"{where}.{lang}", "expected a list of phrases")
        found += [str(item).strip() for item in items if str(item).strip()]
    return tuple(found)


def _fraction(section: Mapping[str, Any], name: str, default: float) -> float:
    value = section.get(name, default)
    _expect(
        isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1,
        f"routing.{name}",
        "expected a number from 0 to 1",
    )
    return float(value)


def _is_email(value: Any) -> bool:
    return isinstance(value, str) and "@" in value.strip()[1:-1]


def _expect(condition: bool, key: str, problem: str) -> None:
    if not condition:
        raise ConfigError(f"{key}: {problem}")
