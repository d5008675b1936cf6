"""Neutral replies as Block Kit: pure functions, and the only place that knows Slack's limits.

Every text that goes into mrkdwn is escaped here (``&``, ``<``, ``>``), because cards carry
text that people typed: a title of ``<!channel>`` must show as text and ping nobody.
Every text that might be too long is cut to fit with an ellipsis, so Slack never sees an
invalid payload; what cannot be cut without changing its meaning (a button's value, an
action id) drops that one element, loudly, rather than the whole message.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.replies import Button, Card, LinkButton, Reply, Text

log = logging.getLogger(__name__)

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BUTTONS_PER_ACTIONS = 25
ACTION_ID = 255
URL = 3000
ALT_TEXT = 2000
CONTEXT_TEXT = 3000
FALLBACK_TEXT = 3000
MESSAGE_TEXT = 4000
ELLIPSIS = "…"

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_LINK_PREFIX = "elci-link:"
OPEN_FORM_PREFIX = "elci-open:"


def escape(text: str) -> str:
    """Make user text inert in mrkdwn: no mention, no channel ping, no link markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Slack escapes the same three characters in text it sends us; undo that."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def fit(text: str, limit: int) -> str:
    """Plain text cut to ``limit`` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def fit_mrkdwn(text: str, limit: int) -> str:
    """Escaped text within ``limit`` characters, never cutting an entity in half."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    out: list[str] = []
    used = 0
    for char in text:
        piece = _ESCAPES.get(char, char)
        if used + len(piece) > limit - 1:
            break
        out.append(piece)
        used += len(piece)
    return "".join(out).rstrip() + ELLIPSIS


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": fit(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": fit_mrkdwn(text, limit) or " "}


def to_action_id(index: int, action_id: str) -> str:
    """Slack wants action ids unique within a message; a card may repeat one (a "share"
    button per network), so the position goes first and ``from_action_id`` strips it."""
    return f"{index}:{action_id}"


def to_link_action_id(index: int) -> str:
    return f"{_LINK_PREFIX}{index}"


def from_action_id(slack_action_id: str) -> str | None:
    """The neutral action id, or None for clicks the adapter answers itself (a link button,
    a button that opens a form)."""
    if slack_action_id.startswith((_LINK_PREFIX, OPEN_FORM_PREFIX)):
        return None
    _, sep, action_id = slack_action_id.partition(":")
    return action_id if sep else slack_action_id


def to_message(reply: Reply) -> dict[str, Any]:
    """``text`` and ``blocks`` for chat.postMessage, chat.update or a response_url."""
    if isinstance(reply, Text):
        return {"text": fit_mrkdwn(reply.text, MESSAGE_TEXT) or " "}
    return {"text": fallback_text(reply), "blocks": to_blocks(reply)[:MESSAGE_BLOCKS]}


def fallback_text(card: Card) -> str:
    """What notifications and screen readers show for a card."""
    return fit_mrkdwn(card.title or card.body, FALLBACK_TEXT) or " "


def to_blocks(card: Card) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    title = f"★ {card.title}" if card.highlight and card.title else card.title
    if title:
        blocks.append({"type": "header", "text": plain(title, HEADER_TEXT)})
    if card.body:
        blocks.append({"type": "section", "text": mrkdwn(card.body, SECTION_TEXT)})
    for start in range(0, len(card.facts), FIELDS_PER_SECTION):
        chunk = card.facts[start : start + FIELDS_PER_SECTION]
        fields = [_fact(fact.label, fact.value) for fact in chunk]
        blocks.append({"type": "section", "fields": fields})
    if card.image_url and len(card.image_url) <= URL:
        alt = fit(card.title or "image", ALT_TEXT)
        blocks.append({"type": "image", "image_url": card.image_url, "alt_text": alt})
    elements = [e for i, b in enumerate(card.buttons) if (e := to_button(i, b)) is not None]
    for start in range(0, len(elements), BUTTONS_PER_ACTIONS):
        blocks.append(
            {"type": "actions", "elements": elements[start : start + BUTTONS_PER_ACTIONS]}
        )
    if card.footer:
        blocks.append({"type": "context", "elements": [mrkdwn(card.footer, CONTEXT_TEXT)]})
    return blocks or [{"type": "section", "text": mrkdwn(" ", SECTION_TEXT)}]


def _fact(label: str, value: str) -> dict[str, Any]:
    head = fit_mrkdwn(label, 200)
    text = f"*{head}*\n" if head else ""
    return {"type": "mrkdwn", "text": text + (fit_mrkdwn(value, FIELD_TEXT - len(text)) or " ")}


def to_button(index: int, button: Button | LinkButton) -> dict[str, Any] | None:
    """A Block Kit button, or None (logged) when it cannot be sent as it is."""
    if isinstance(button, LinkButton):
        if len(button.url) > URL:
            log.error("link button dropped: URL too long", extra={"length": len(button.url)})
            return None
        element = {
            "type": "button",
            "text": plain(button.label, BUTTON_TEXT),
            "action_id": to_link_action_id(index),
            "url": button.url,
        }
        return element
    action_id = to_action_id(index, button.action_id)
    if len(action_id) > ACTION_ID or len(button.value) > BUTTON_VALUE:
        log.error(
            "button dropped: action id or value too long",
            extra={"action_id": button.action_id[:60], "value_length": len(button.value)},
        )
        return None
    element = {"type": "button", "text": plain(button.label, BUTTON_TEXT), "action_id": action_id}
    if button.value:
        element["value"] = button.value
    if button.style != "default":
        element["style"] = button.style
    return element


def to_home_view(replies: list[Reply]) -> dict[str, Any]:
    """The App Home: each section's cards in order, divided, whole cards while they fit."""
    blocks: list[dict[str, Any]] = []
    for reply in replies:
        part = (
            [{"type": "section", "text": mrkdwn(reply.text, SECTION_TEXT)}]
            if isinstance(reply, Text)
            else to_blocks(reply)
        )
        separator = [{"type": "divider"}] if blocks else []
        if len(blocks) + len(separator) + len(part) > VIEW_BLOCKS:
            log.warning("home view full; later sections left out")
            break
        blocks += separator + part
    return {"type": "home", "blocks": blocks or [{"type": "divider"}]}
