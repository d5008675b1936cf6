"""The ``lint`` section of the YAML, parsed into frozen rules.

A mistake raises :class:`bot.config.ConfigError` naming the key (``lint.severity.tckn: …``),
at start-up (``bot.compose.check_config``) rather than in the middle of someone's draft.
Every key is optional; what is left out takes the default below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from bot.config import Config, ConfigError
from bot.content import NETWORKS, allowed_domains
from bot.lint.finding import KINDS, Severity

DEFAULT_SEVERITY: Final[dict[str, Severity]] = {
    "tckn": "block",
    "iban": "block",
    "phone": "warn",
    "email": "warn",
    "confidential": "warn",
    "disclosure": "warn",
    "length": "block",
    "link": "block",
}
DEFAULT_LIMITS: Final = {"x": 280, "linkedin": 3000, "facebook": 63206}
DEFAULT_LINK_LENGTHS: Final = {"x": 23}
DEFAULT_MARKERS: Final = {
    "tr": ("gizli", "şirket içi", "kurum içi", "hizmete özel", "ticari sır"),
    "en": ("confidential", "internal only", "internal use only", "do not share"),
}
DEFAULT_IGNORE: Final = ("gizlilik",)
DEFAULT_TAGS: Final = ("#ad", "#reklam", "#işbirliği", "#çalışanıyım", "#employee")
OFF: Final = "off"


@dataclass(frozen=True)
class Rules:
    """What the checks look for. ``severity`` leaves out the kinds turned ``off``."""

    severity: Mapping[str, Severity]
    markers_tr: tuple[str, ...] = DEFAULT_MARKERS["tr"]
    markers_en: tuple[str, ...] = DEFAULT_MARKERS["en"]
    ignore: tuple[str, ...] = DEFAULT_IGNORE
    brands: tuple[str, ...] = ()
    disclosure_tags: tuple[str, ...] = DEFAULT_TAGS
    limits: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    link_lengths: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_LINK_LENGTHS))
    allowed_domains: tuple[str, ...] = ()

    @property
    def networks(self) -> tuple[str, ...]:
        return tuple(self.limits)


DEFAULT_RULES: Final = Rules(severity=dict(DEFAULT_SEVERITY))


def rules_of(config: Config) -> Rules:
    return parse(config.raw, allowed_domains(config))


def parse(raw: Mapping[str, Any], domains: tuple[str, ...] = ()) -> Rules:
    section = raw.get("lint")
    if section is None:
        return Rules(severity=dict(DEFAULT_SEVERITY), allowed_domains=domains)
    _expect(isinstance(section, Mapping), "lint", "expected a mapping")
    confidential = _mapping(section.get("confidential"), "lint.confidential")
    disclosure = _mapping(section.get("disclosure"), "lint.disclosure")
    length = _mapping(section.get("length"), "lint.length")
    return Rules(
        severity=_severity(section.get("severity")),
        markers_tr=_words(confidential, "tr", DEFAULT_MARKERS["tr"], "lint.confidential"),
        markers_en=_words(confidential, "en", DEFAULT_MARKERS["en"], "lint.confidential"),
        ignore=_words(confidential, "ignore", DEFAULT_IGNORE, "lint.confidential"),
        brands=_words(disclosure, "brands", (), "lint.disclosure"),
        disclosure_tags=_words(disclosure, "tags", DEFAULT_TAGS, "lint.disclosure"),
        limits=_numbers(length.get("limits"), DEFAULT_LIMITS, "lint.length.limits"),
        link_lengths=_numbers(
            length.get("link_length"), DEFAULT_LINK_LENGTHS, "lint.length.link_length"
        ),
        allowed_domains=domains,
    )


def _severity(value: Any) -> dict[str, Severity]:
    chosen: dict[str, Any] = dict(DEFAULT_SEVERITY)
    if value is not None:
        _expect(isinstance(value, Mapping), "lint.severity", "expected a mapping of kinds")
        for kind, level in value.items():
            key = f"lint.severity.{kind}"
            _expect(kind in KINDS, key, f"unknown kind (expected one of {', '.join(KINDS)})")
            _expect(level in ("block", "warn", OFF), key, "expected block, warn or off")
            chosen[kind] = level
    return {kind: level for kind, level in chosen.items() if level != OFF}


def _mapping(value: Any, key: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    _expect(isinstance(value, Mapping), key, "expected a mapping")
    return value


def _words(
    section: Mapping[str, Any], name: str, default: tuple[str, ...], key: str
) -> tuple[str, ...]:
    if name not in section:
        return default
    value = section[name] or []
    _expect(
        isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value),
        f"{key}.{name}",
        "expected a list of words or phrases",
    )
    return tuple(v.strip() for v in value)


def _numbers(value: Any, default: Mapping[str, int], key: str) -> dict[str, int]:
    if value is None:
        return dict(default)
    _expect(isinstance(value, Mapping), key, "expected a mapping of networks to numbers")
    numbers = {}
    for network, number in value.items():
        _expect(network in NETWORKS, f"{key}.{network}", f"expected one of {', '.join(NETWORKS)}")
        _expect(
            isinstance(number, int) and not isinstance(number, bool) and number > 0,
            f"{key}.{network}",
            "expected a whole number above 0",
        )
        numbers[str(network)] = number
    return numbers


def _expect(condition: bool, key: str, problem: str) -> None:
    if not condition:
        raise ConfigError(f"{key}: {problem}")
