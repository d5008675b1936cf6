"""The policy check of a post: personal data, confidentiality, disclosure, length, links.

One engine for the chat (draft submission, in ``handlers.drafts``) and the command line
(``elci lint``), so both always agree. Each kind is a small module with a ``find``
function; the severity of what it finds (``block`` or ``warn``) comes from the YAML::

    rules = rules_of(config)
    findings = lint(text, rules, networks=("x", "linkedin"))
    if blocking(findings): ...

``networks`` limits the length check to the networks the post is meant for (default: every
network with a configured limit).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.lint import confidential, disclosure, email, iban, length, links, phone, tckn
from bot.lint.config import DEFAULT_RULES, Rules, rules_of
from bot.lint.finding import KINDS, Finding, Hit, Kind, Severity, blocking

__all__ = [
    "DEFAULT_RULES",
    "KINDS",
    "Finding",
    "Kind",
    "Rules",
    "Severity",
    "blocking",
    "lint",
    "rules_of",
]


def lint(text: str, rules: Rules, networks: Sequence[str] | None = None) -> list[Finding]:
    """Every finding in ``text``, ordered by where it starts."""
    found: list[Finding] = []

    def add(kind: Kind, hits: Iterable[Hit]) -> None:
        severity = rules.severity.get(kind)
        if severity is None:
            return
        for hit in hits:
            found.append(
                Finding(kind, hit.start, hit.end, severity, text[hit.start : hit.end], hit.params)
            )

    web = list(links.urls(text))
    add("tckn", tckn.find(text, rules))
    add("iban", iban.find(text, rules))
    add("email", (hit for hit in email.find(text, rules) if not _inside(hit, web)))
    add("link", links.find(text, rules))
    explained = [(f.start, f.end) for f in found] + web
    add("phone", (hit for hit in phone.find(text, rules) if not _inside(hit, explained)))
    add("confidential", confidential.find(text, rules))
    add("disclosure", disclosure.find(text, rules))
    add("length", length.find(text, rules, networks))
    return sorted(found, key=lambda f: (f.start, KINDS.index(f.kind)))


def _inside(hit: Hit, spans: list[tuple[int, int]]) -> bool:
    return any(start < hit.end and hit.start < end for start, end in spans)
