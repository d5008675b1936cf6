"""Neutral replies as Adaptive Cards 1.5 (as Teams renders them). Pure functions.

Cards are built as dicts (objects), serialized by the SDK; never from string templates.
Every text that Teams reads as markdown goes through ``escape`` first, because it may hold
what a user typed (a draft title, a request): a markdown link there could disguise where it
leads. Buttons carry Elçi's data under ``inbound.RESERVED``; link buttons and images accept
only http(s) URLs. ``fit.fit`` then keeps the whole activity under Teams' 28 KB.
"""

from __future__ import annotations

import re
from typing import Any

from adapters.teams.fit import fit, fit_text
from adapters.teams.inbound import ORIGIN, RESERVED
from bot.replies import Button, Card, Form, FormField, LinkButton, Text

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
_STYLES = {"default": "default", "primary": "positive", "danger": "destructive"}
_ZWSP = "\u200b"
_LINK = re.compile(r"\](?=\()")
_TEMPLATE = re.compile(r"\{(?=\{)")
"""Every ``{`` followed by another: ``{{{`` must not keep a ``{{`` once escaped."""

Json = dict[str, Any]


def escape(text: str) -> str:
    """Defuse markdown links (``[x](url)``) and card template functions (``{{DATE(…)}}``).

    A zero-width space between ``]`` and ``(`` breaks the link syntax without changing what
    people read; backslash escapes are not rendered alike by every Teams client.
    """
    return _TEMPLATE.sub("{" + _ZWSP, _LINK.sub("]" + _ZWSP, text))


def is_web_url(url: str | None) -> bool:
    return bool(url) and str(url).lower().startswith(("https://", "http://"))


def _text(text: str, **style: Any) -> Json:
    return {"type": "TextBlock", "text": escape(text), "wrap": True, **style}


def _paragraphs(text: str) -> str:
    """Markdown joins single newlines; Elçi's line breaks are meant, so make them paragraphs."""
    return "\n\n".join(line for line in text.splitlines() if line.strip())


def _card(body: list[Json], fallback: str) -> Json:
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA_URL,
        "version": VERSION,
        "fallbackText": escape(fallback),
        "body": body,
    }


def to_action(button: Button | LinkButton) -> Json | None:
    if isinstance(button, LinkButton):
        if not is_web_url(button.url):
            return None
        return {"type": "Action.OpenUrl", "title": button.label, "url": button.url}
    own = {"kind": "action", "id": button.action_id, "value": button.value}
    return {
        "type": "Action.Submit",
        "title": button.label,
        "style": _STYLES[button.style],
        "data": {RESERVED: own},
    }


def to_card(card: Card) -> Json:
    items: list[Json] = [_text(card.title, weight="Bolder", size="Medium")]
    if card.body.strip():
        items.append(_text(_paragraphs(card.body)))
    if card.facts:
        facts = [{"title": escape(f.label), "value": escape(f.value)} for f in card.facts]
        items.append({"type": "FactSet", "facts": facts})
    if is_web_url(card.image_url):
        items.append(
            {"type": "Image", "url": card.image_url, "altText": card.title, "size": "Stretch"}
        )
    if card.footer.strip():
        items.append(_text(_paragraphs(card.footer), isSubtle=True, size="Small"))
    actions = [a for a in (to_action(b) for b in card.buttons) if a is not None]
    if actions:
        items.append({"type": "ActionSet", "actions": actions})
    if card.highlight:
        items = [{"type": "Container", "style": "accent", "bleed": True, "items": items}]
    return fit(_card(items, card.title))


def _shown(field: FormField, value: Any) -> str:
    """A submitted value as Teams sends it back: strings, lists comma-joined."""
    if value is None:
        return ""
    if field.kind == "checkbox":
        return "true" if value is True or str(value).lower() == "true" else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def to_input(field: FormField, value: Any, error: str, required_message: str) -> Json:
    """One form field as an ``Input.*``; ``error`` is the server's word on it, if any."""
    if field.name == RESERVED:
        raise ValueError(f"form field name {RESERVED!r} is reserved for the Teams adapter")
    element: Json = {"id": field.name, "label": field.label}
    shown = _shown(field, value)
    if field.kind == "checkbox":
        element.update(type="Input.Toggle", title=field.label, valueOn="true", valueOff="false")
        element["value"] = shown or "false"
    elif field.kind in ("select", "multiselect"):
        element.update(
            type="Input.ChoiceSet",
            style="compact",
            choices=[{"title": o.label, "value": o.value} for o in field.options],
        )
        if field.kind == "multiselect":
            element["isMultiSelect"] = True
    elif field.kind == "date":
        element["type"] = "Input.Date"
    else:
        element["type"] = "Input.Text"
        if field.kind == "multiline":
            element["isMultiline"] = True
        if field.max_length:
            element["maxLength"] = field.max_length
    if shown and field.kind != "checkbox":
        element["value"] = shown
    if field.placeholder and field.kind != "checkbox":
        element["placeholder"] = field.placeholder
    if field.required and field.kind != "checkbox":
        element["isRequired"] = True
        element["errorMessage"] = error or required_message
    elif error:
        element["errorMessage"] = error
    return element


def to_form_card(form: Form, required_message: str, origin: Json | None = None) -> Json:
    """``required_message`` is what Teams shows when it catches an empty required field;
    ``origin`` names the card whose button opened the form, carried in the submit's data."""
    items: list[Json] = [_text(form.title, weight="Bolder", size="Medium")]
    if form.intro.strip():
        items.append(_text(_paragraphs(form.intro)))
    for field in form.fields:
        value = form.values.get(field.name, field.initial)
        error = form.errors.get(field.name, "")
        items.append(to_input(field, value, error, required_message))
        if field.hint:
            items.append(_text(field.hint, isSubtle=True, size="Small", spacing="Small"))
        if error:
            items.append(_text(error, color="Attention", size="Small", spacing="Small"))
    own = {"kind": "form", "id": form.form_id, "state": dict(form.state), "title": form.title}
    if origin is not None:
        own[ORIGIN] = dict(origin)
    actions: list[Json] = [
        {
            "type": "Action.Submit",
            "title": form.submit_label,
            "style": "positive",
            "data": {RESERVED: own},
        },
    ]
    if form.cancel_label:
        actions.append(
            {
                "type": "Action.Submit",
                "title": form.cancel_label,
                "associatedInputs": "none",
                "data": {
                    RESERVED: {
                        "kind": "cancel",
                        "id": form.form_id,
                        "title": form.title,
                        "label": form.cancel_label,
                    }
                },
            }
        )
    items.append({"type": "ActionSet", "actions": actions})
    return fit(_card(items, form.title))


def to_closed_card(title: str, note: str) -> Json:
    """A form once answered or cancelled, so that it cannot be sent twice."""
    items = [_text(title, weight="Bolder", size="Medium"), _text(note, isSubtle=True)]
    return fit(_card(items, title))


def to_attachment(card: Json) -> Json:
    return {"contentType": CARD_CONTENT_TYPE, "content": card}


def to_message_text(reply: Text) -> str:
    return fit_text(escape(reply.text))
