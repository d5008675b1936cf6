"""The ``review`` section of the YAML: who reviews a draft, and when to remind and escalate.

::

    review:
      reviewers:
        - department: marketing          # no `when`: every draft
        - department: legal
          when:                          # any of these calls for it
            findings: [confidential, disclosure]
            tags: [legal, hukuk, finans]
      remind_after_hours: 24
      escalate_after_hours: 48

A mistake raises :class:`bot.config.ConfigError` naming the key, at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.config import Config, ConfigError
from bot.lint import KINDS
from bot.lint.words import fold_phrase

DEFAULT_RULES = ({"department": "marketing"},)
DEFAULT_REMIND_HOURS = 24
DEFAULT_ESCALATE_HOURS = 48


@dataclass(frozen=True)
class ReviewerRule:
    department: str
    findings: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # folded

    @property
    def always(self) -> bool:
        return not self.findings and not self.tags

    def applies(self, finding_kinds: Iterable[str], tags: Iterable[str]) -> bool:
        if self.always:
            return True
        folded = {fold_phrase(tag) for tag in tags}
        return bool(set(self.findings) & set(finding_kinds)) or bool(set(self.tags) & folded)


@dataclass(frozen=True)
class ReviewConfig:
    rules: tuple[ReviewerRule, ...]
    remind_after: timedelta
    escalate_after: timedelta

    def departments_for(self, finding_kinds: Iterable[str], tags: Iterable[str]) -> list[str]:
        """The departments that review a draft with these findings and tags, in rule order."""
        kinds, tag_list = list(finding_kinds), list(tags)
        chosen: list[str] = []
        for rule in self.rules:
            if rule.applies(kinds, tag_list) and rule.department not in chosen:
                chosen.append(rule.department)
        return chosen


def review_config(config: Config) -> ReviewConfig:
    return parse(config.raw, {department.key for department in config.departments})


def parse(raw: Mapping[str, Any], departments: set[str]) -> ReviewConfig:
    section = raw.get("review") or {}
    _expect(isinstance(section, Mapping), "review", "expected a mapping")
    if "reviewers" in section:
        listed = section["reviewers"]
        _expect(
            isinstance(listed, list) and bool(listed),
            "review.reviewers",
            "expected a list of at least one {department: KEY, when: …}",
        )
    else:  # the default, as far as the departments allow
        listed = [rule for rule in DEFAULT_RULES if rule["department"] in departments]
    rules = tuple(
        _rule(entry, f"review.reviewers[{number}]", departments)
        for number, entry in enumerate(listed, start=1)
    )
    remind = _hours(section, "remind_after_hours", DEFAULT_REMIND_HOURS)
    escalate = _hours(section, "escalate_after_hours", DEFAULT_ESCALATE_HOURS)
    _expect(
        escalate > remind,
        "review.escalate_after_hours",
        "expected more hours than remind_after_hours (the reminder comes first)",
    )
    return ReviewConfig(rules, timedelta(hours=remind), timedelta(hours=escalate))


def _rule(entry: Any, key: str, departments: set[str]) -> ReviewerRule:
    _expect(isinstance(entry, Mapping), key, "expected {department: KEY, when: …}")
    department = entry.get("department")
    _expect(
        isinstance(department, str) and department in departments,
        f"{key}.department",
        f"expected one of the configured departments ({', '.join(sorted(departments))})",
    )
    when = entry.get("when") or {}
    _expect(isinstance(when, Mapping), f"{key}.when", "expected findings and/or tags")
    unknown = sorted(set(when) - {"findings", "tags"})
    _expect(not unknown, f"{key}.when", f"unknown key {', '.join(unknown)}")
    findings = _strings(when.get("findings"), f"{key}.when.findings")
    bad = sorted(set(findings) - set(KINDS))
    _expect(not bad, f"{key}.when.findings", f"unknown kind {', '.join(bad)}")
    tags = _strings(when.get("tags"), f"{key}.when.tags")
    _expect(
        bool(findings or tags) or "when" not in entry,
        f"{key}.when",
        "expected findings and/or tags (leave `when` out for every draft)",
    )
    return ReviewerRule(department, findings, tuple(fold_phrase(tag) for tag in tags))


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    _expect(
        isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value),
        key,
        "expected a list of words",
    )
    return tuple(v.strip() for v in value)


def _hours(section: Mapping[str, Any], name: str, default: int) -> float:
    value = section.get(name, default)
    _expect(
        isinstance(value, int | float) and not isinstance(value, bool) and value > 0,
        f"review.{name}",
        "expected a number of hours above 0",
    )
    return float(value)


def _expect(condition: bool, key: str, problem: str) -> None:
    if not condition:
        raise ConfigError(f"{key}: {problem}")
