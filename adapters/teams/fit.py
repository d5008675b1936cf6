"""Keeping every activity under Teams' message size limit (about 28 KB).

Teams rejects a larger activity outright, so an oversized card would mean no answer at all.
Sizes are measured as the SDK puts them on the wire (``json.dumps`` with ASCII escapes,
where ``ş`` costs six bytes). The card gets ``CARD_BUDGET``; the rest of the activity
(addresses, ids, the service URL) fits in the margin.

Trimming goes from least to most harmful: shorten the longest texts (with an ellipsis), then
drop trailing facts and options, then shorten texts further. Ids, URLs and action data are
never touched, so whatever is still shown still works.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

log = logging.getLogger(__name__)

ACTIVITY_LIMIT = 28 * 1024
CARD_BUDGET = ACTIVITY_LIMIT - 3 * 1024
ELLIPSIS = "…"
_LISTS = ("facts", "choices")
_INPUT_TEXTS = ("label", "placeholder", "errorMessage")


def wire_size(value: Any) -> int:
    return len(json.dumps(value))


def _slots(node: Any, parent_key: str = "") -> Iterator[tuple[dict[str, Any], str]]:
    """Every (object, key) whose string may be shortened without breaking the card."""
    if isinstance(node, list):
        for item in node:
            yield from _slots(item, parent_key)
        return
    if not isinstance(node, dict):
        return
    kind = str(node.get("type", ""))
    keys: tuple[str, ...] = ()
    if kind == "TextBlock":
        keys = ("text",)
    elif kind == "AdaptiveCard":
        keys = ("fallbackText",)
    elif kind.startswith("Input."):
        keys = (*_INPUT_TEXTS, "value") if kind == "Input.Text" else _INPUT_TEXTS
    elif parent_key == "facts":
        keys = ("title", "value")
    elif parent_key == "choices":
        keys = ("title",)
    for key in keys:
        if isinstance(node.get(key), str):
            yield node, key
    for key, child in node.items():
        if key != "data" and isinstance(child, list | dict):
            yield from _slots(child, key)


def _lists(node: Any) -> Iterator[list[Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _lists(item)
    elif isinstance(node, dict):
        for key, child in node.items():
            if key in _LISTS and isinstance(child, list) and len(child) > 1:
                yield child
            if key != "data":
                yield from _lists(child)


def _shorten(card: dict[str, Any], budget: int, floor: int) -> int:
    size = wire_size(card)
    while size > budget:
        slots = [(node, key) for node, key in _slots(card) if len(node[key]) > floor + 1]
        if not slots:
            break
        node, key = max(slots, key=lambda slot: len(slot[0][slot[1]]))
        text = node[key]
        keep = max(floor, len(text) - (size - budget) - 1)
        node[key] = text[:keep].rstrip() + ELLIPSIS
        size = wire_size(card)
    return size


def _drop_items(card: dict[str, Any], budget: int) -> int:
    size = wire_size(card)
    while size > budget:
        lists = list(_lists(card))
        if not lists:
            break
        max(lists, key=len).pop()
        size = wire_size(card)
    return size


def fit(card: dict[str, Any], budget: int = CARD_BUDGET) -> dict[str, Any]:
    """The card itself, trimmed in place until it fits ``budget`` bytes."""
    if wire_size(card) <= budget:
        return card
    size = _shorten(card, budget, floor=200)
    if size > budget:
        size = _drop_items(card, budget)
    if size > budget:
        size = _shorten(card, budget, floor=16)
    log.warning("card trimmed to fit Teams", extra={"bytes": size, "budget": budget})
    return card


def fit_text(text: str, budget: int = CARD_BUDGET) -> str:
    """Plain message text, cut (with an ellipsis) to ``budget`` wire bytes."""
    size = wire_size(text)
    while size > budget:
        text = text[: max(0, len(text) - (size - budget) - len(ELLIPSIS))].rstrip() + ELLIPSIS
        size = wire_size(text)
    return text
