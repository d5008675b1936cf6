"""Neutral replies as terminal text: cards with numbered buttons, forms as prompts."""

from __future__ import annotations

import textwrap

from bot.replies import Button, Card, Form, FormField, LinkButton, Reply, Text

WIDTH = 78


def to_text(reply: Reply) -> str:
    if isinstance(reply, Text):
        return reply.text
    return card_to_text(reply)


def card_to_text(card: Card) -> str:
    marker = "★ " if card.highlight else ""
    lines = [f"┌ {marker}{card.title}"]
    if card.body:
        lines += [f"│ {line}" for line in _wrap(card.body)]
    lines += [f"│ {fact.label}: {fact.value}" for fact in card.facts]
    if card.image_url:
        lines.append(f"│ [image] {card.image_url}")
    if card.footer:
        lines += [f"│ {line}" for line in _wrap(card.footer)]
    for number, button in enumerate(card.buttons, start=1):
        lines.append(f"│ [{number}] {button_label(button)}")
    lines.append("└")
    return "\n".join(lines)


def button_label(button: Button | LinkButton) -> str:
    if isinstance(button, LinkButton):
        return f"{button.label} → {button.url}"
    return button.label


def form_heading(form: Form) -> str:
    lines = [f"┌ {form.title}"]
    if form.intro:
        lines += [f"│ {line}" for line in _wrap(form.intro)]
    lines.append("│ (!cancel to stop)")
    return "\n".join(lines)


def field_prompt(field: FormField, error: str = "") -> str:
    """The question for one field; options are numbered so a number answers."""
    mark = "*" if field.required else ""
    lines = [f"! {error}"] if error else []
    lines.append(f"{field.label}{mark}")
    if field.hint:
        lines.append(f"  ({field.hint})")
    lines += [f"  {n}. {option.label}" for n, option in enumerate(field.options, start=1)]
    if field.kind == "multiselect":
        lines.append("  (1,3 …)")
    elif field.kind == "checkbox":
        lines.append("  (y/n)")
    elif field.kind == "date":
        lines.append("  (YYYY-MM-DD)")
    elif field.kind == "multiline":
        lines.append("  (\\n = new line)")
    return "\n".join(lines)


def _wrap(text: str) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(paragraph, WIDTH) or [""]
    return lines
