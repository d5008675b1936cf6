"""Audience selectors: who a content item or a campaign is for.

``all``, ``department:KEY``, ``location:NAME``, ``role:NAME`` (groups included, e.g.
``role:group:pilot``) and ``person:EMAIL``; several are OR-ed, and none means everyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.directory import normalize_email
from bot.i18n import N_, Translator
from bot.roles import is_valid_role
from bot.text import fold
from storage.people import Person

KINDS = ("department", "location", "role", "person")


USAGE = N_("use all, department:KEY, location:NAME, role:NAME or person:EMAIL")


@dataclass  # not frozen: raising sets __traceback__ (contextlib does, from a with)
class SelectorError(ValueError):
    """``reason`` is a message id, so chat can say it in the reader's language."""

    selector: str
    reason: str
    params: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.selector!r}: {self.reason.format(**self.params)}"

    def localized(self, tr: Translator) -> str:
        return f"“{self.selector}”: {tr.t(self.reason, **self.params)}"


def parse(selectors: Iterable[str], departments: Iterable[str]) -> list[str]:
    """Validated, normalized selectors; raises ``SelectorError`` on the first bad one."""
    known = set(departments)
    result: list[str] = []
    for raw in selectors:
        selector = raw.strip()
        if not selector:
            continue
        if selector.lower() == "all":
            result.append("all")
            continue
        kind, _, value = selector.partition(":")
        kind, value = kind.strip().lower(), value.strip()
        if kind not in KINDS or not value:
            raise SelectorError(selector, USAGE)
        result.append(f"{kind}:{_normalize(selector, kind, value, known)}")
    return sorted(set(result))


def _normalize(selector: str, kind: str, value: str, departments: set[str]) -> str:
    if kind == "department" and value.lower() not in departments:
        known = ", ".join(sorted(departments))
        raise SelectorError(selector, N_("unknown department; known: {known}"), {"known": known})
    if kind == "role" and not is_valid_role(value.lower()):
        raise SelectorError(selector, N_("unknown role"))
    if kind == "person":
        email = normalize_email(value)
        if email is None:
            raise SelectorError(selector, N_("not a valid email address"))
        return email
    return value if kind == "location" else value.lower()


def matches(person: Person, selectors: Sequence[str]) -> bool:
    if not selectors:
        return True
    return any(_matches_one(person, selector) for selector in selectors)


def _matches_one(person: Person, selector: str) -> bool:
    if selector == "all":
        return True
    kind, _, value = selector.partition(":")
    if kind == "department":
        return (person.department or "") == value
    if kind == "location":
        return fold(person.location or "", "tr") == fold(value, "tr")
    if kind == "role":
        return value in person.roles
    return kind == "person" and person.email == value
