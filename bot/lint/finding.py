"""What a policy check reports: the kind, where it is, how serious, and what to do.

Offsets count Python string positions (code points) in the text that was checked, so
``text[start:end]`` is always the offending span. The explanation is kept as a message id
and its parameters, and localized only when someone reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from bot.i18n import N_, Translator

Kind = Literal["tckn", "iban", "phone", "email", "confidential", "disclosure", "length", "link"]
Severity = Literal["block", "warn"]
KINDS: Final[tuple[Kind, ...]] = (
    "tckn",
    "iban",
    "phone",
    "email",
    "confidential",
    "disclosure",
    "length",
    "link",
)

LABELS: Final[dict[str, str]] = {
    "tckn": N_("Turkish ID number"),
    "iban": N_("bank account (IBAN)"),
    "phone": N_("phone number"),
    "email": N_("email address"),
    "confidential": N_("confidentiality marker"),
    "disclosure": N_("missing disclosure"),
    "length": N_("too long"),
    "link": N_("link to an unapproved site"),
}

MESSAGES: Final[dict[str, str]] = {
    "tckn": N_(
        "This is a valid Turkish national ID number. Remove it: personal data must never "
        "be published."
    ),
    "iban": N_(
        "This is a valid bank account number (IBAN). Remove it: payment details do not "
        "belong in a post."
    ),
    "phone": N_(
        "This is a phone number. Remove it, unless it is a public company line you may share."
    ),
    "email": N_(
        "This is an email address. Remove it, unless it is a public address meant for this."
    ),
    "confidential": N_(
        "“{marker}” marks confidential material. Make sure nothing in the post is "
        "confidential, then take the marker out."
    ),
    "disclosure": N_(
        "The post is about {brand} but does not say you work here. Add a disclosure tag: {tags}."
    ),
    "length": N_(
        "{count} characters, but {network} takes at most {limit}: shorten it by {over}, "
        "from here on."
    ),
    "link": N_(
        "{host} is not on the list of allowed sites ({domains}). Link to an allowed site "
        "or remove the link."
    ),
}


@dataclass(frozen=True)
class Hit:
    """What one check found, before the engine gives it its severity."""

    start: int
    end: int
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    kind: Kind
    start: int
    end: int
    severity: Severity
    text: str
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def blocks(self) -> bool:
        return self.severity == "block"

    def label(self, tr: Translator) -> str:
        return tr.t(LABELS[self.kind])

    def message(self, tr: Translator) -> str:
        """The explanation with the fix, in the reader's language."""
        return tr.t(MESSAGES[self.kind], **self.params)

    def as_dict(self, tr: Translator | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "severity": self.severity,
            "text": self.text,
            "params": dict(self.params),
        }
        if tr is not None:
            data["message"] = self.message(tr)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """The inverse of :meth:`as_dict`, for findings kept in storage."""
        return cls(
            kind=data["kind"],
            start=int(data["start"]),
            end=int(data["end"]),
            severity=data["severity"],
            text=str(data.get("text", "")),
            params={str(k): str(v) for k, v in (data.get("params") or {}).items()},
        )


def blocking(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.blocks]
