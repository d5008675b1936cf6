"""What the bot says, in one neutral shape that every adapter renders.

All text here is final, already localized; renderers never translate, they only fit
the text to their platform's limits and escape it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ButtonStyle = Literal["default", "primary", "danger"]
FieldKind = Literal["text", "multiline", "select", "multiselect", "date", "checkbox"]


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Button:
    """A button that comes back to the bot as an ``Action``."""

    label: str
    action_id: str
    value: str = ""
    style: ButtonStyle = "default"


@dataclass(frozen=True)
class LinkButton:
    """A button that opens a URL in the browser."""

    label: str
    url: str


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Card:
    title: str
    body: str = ""
    facts: tuple[Fact, ...] = ()
    image_url: str | None = None
    buttons: tuple[Button | LinkButton, ...] = ()
    footer: str = ""
    highlight: bool = False


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = False
    options: tuple[Option, ...] = ()
    initial: Any = None
    placeholder: str = ""
    max_length: int | None = None
    hint: str = ""


@dataclass(frozen=True)
class Form:
    """A form to fill in: a Slack modal, a Teams card with inputs, console prompts.

    ``state`` rides along unseen and comes back in ``FormSubmit.state``.
    """

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str
    cancel_label: str = ""
    intro: str = ""
    state: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


Reply = Text | Card


@dataclass(frozen=True)
class ReplaceCard:
    """Answer to an interaction: put this card where the pressed one was."""

    card: Card


@dataclass(frozen=True)
class FieldErrors:
    """Answer to a form: keep it open and show these messages beside the fields.

    ``form`` is the form rebuilt with the submitted values and the errors, for platforms
    that must send it again (a Teams card) rather than annotate it in place (a Slack modal).
    """

    errors: dict[str, str]
    form: Form | None = None


Answer = ReplaceCard | FieldErrors | None
