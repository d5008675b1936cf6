"""Neutral forms as Slack modals, and submitted modals back as field values.

One input block per field, its ``block_id`` the field's name, so Slack's inline errors
(``response_action: errors``) point at the field the core named. What the form must carry
unseen (its id, ``Form.state``, where to answer) rides in ``private_metadata`` as JSON
under reserved keys that no field name can take.

A form opened from a button on a message also carries that message (``Origin``), so that a
card answering the form can replace it in place. The origin is Elçi's own record, echoed
back by Slack; it is read back with its shape checked, and the app still checks that the
person submitting may see that message before touching it.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from adapters.slack.render import fit, mrkdwn, plain, to_blocks
from bot.replies import Card, Form, FormField

log = logging.getLogger(__name__)

TITLE = 24
SUBMIT = 24
LABEL = 2000
HINT = 2000
PLACEHOLDER = 150
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS = 100
INPUT_MAX = 3000
PRIVATE_METADATA = 3000
ERROR_TEXT = 300
INTRO_TEXT = 3000
VIEW_BLOCKS = 100
INPUT_ACTION = "value"
FORM_KEY = "_elci_form"
STATE_KEY = "_elci_state"
ORIGIN_KEY = "_elci_origin"
RESPONSE_URL = 1000
_USER = re.compile(r"[UW][A-Z0-9]{2,30}")
_CHANNEL = re.compile(r"[CDG][A-Z0-9]{2,30}")
_TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,8}")
_URL = re.compile(r"https?://[^\s]+")


class FormTooLarge(ValueError):
    """``Form.state`` does not fit in Slack's private_metadata; the form is not opened."""


@dataclass(frozen=True)
class Origin:
    """The message whose button opened a form, as Elçi saw it when the button was pressed.

    ``user_id`` pressed it in ``channel`` at ``ts``; ``response_url`` is set for a message
    only Slack's response_url can replace (ephemeral, or outside the person's DM).
    """

    user_id: str
    channel: str
    ts: str
    response_url: str = ""

    def to_json(self) -> dict[str, str]:
        data = {"u": self.user_id, "c": self.channel, "ts": self.ts}
        return {**data, "r": self.response_url} if self.response_url else data


def to_origin(data: Any) -> Origin | None:
    """An origin read back from private_metadata, or None unless every part has its shape."""
    if not isinstance(data, dict):
        return None
    user, channel, ts, url = (data.get(k) for k in ("u", "c", "ts", "r"))
    if not (isinstance(user, str) and isinstance(channel, str) and isinstance(ts, str)):
        return None
    if not (_USER.fullmatch(user) and _CHANNEL.fullmatch(channel) and _TS.fullmatch(ts)):
        return None
    if url is not None and not (
        isinstance(url, str) and len(url) <= RESPONSE_URL and _URL.fullmatch(url)
    ):
        return None
    return Origin(user, channel, ts, url or "")


def to_metadata(form: Form, origin: Origin | None = None) -> str:
    """JSON for private_metadata, or FormTooLarge: trimming state would corrupt it.

    The origin is what gives way when the metadata would be too long: the form still opens,
    and a card answering it goes where it would without one."""
    data: dict[str, Any] = {FORM_KEY: form.form_id, STATE_KEY: form.state}
    if origin is not None:
        text = _json({**data, ORIGIN_KEY: origin.to_json()})
        if len(text) <= PRIVATE_METADATA:
            return text
        log.warning("form origin dropped: metadata too long", extra={"form": form.form_id})
    text = _json(data)
    if len(text) > PRIVATE_METADATA:
        raise FormTooLarge(f"form {form.form_id!r}: state is {len(text)} characters of JSON")
    return text


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def from_metadata(text: str) -> tuple[str, dict[str, Any]]:
    """(form id, state); empty for a view that is not ours or was tampered with."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return "", {}
    if not isinstance(data, dict):
        return "", {}
    state = data.get(STATE_KEY)
    return str(data.get(FORM_KEY) or ""), state if isinstance(state, dict) else {}


def origin_from_metadata(text: str) -> Origin | None:
    """The message the form was opened from, if it was and the record is well formed."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return None
    return to_origin(data.get(ORIGIN_KEY)) if isinstance(data, dict) else None


def to_modal(form: Form, origin: Origin | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": fit(form.form_id, 255),
        "title": plain(form.title, TITLE),
        "submit": plain(form.submit_label, SUBMIT),
        "private_metadata": to_metadata(form, origin),
        "blocks": [],
    }
    if form.cancel_label:
        view["close"] = plain(form.cancel_label, SUBMIT)
    if form.intro:
        view["blocks"].append({"type": "section", "text": mrkdwn(form.intro, INTRO_TEXT)})
    view["blocks"] += [to_input(spec, form.values) for spec in form.fields][:VIEW_BLOCKS]
    return view


def to_card_modal(card: Card) -> dict[str, Any]:
    """A card shown where the submitted modal was (``response_action: update``); its close
    button is a tick, which needs no translation."""
    return {
        "type": "modal",
        "title": plain(card.title or " ", TITLE),
        "close": plain("✓", SUBMIT),
        "blocks": to_blocks(card)[:VIEW_BLOCKS],
    }


def to_input(spec: FormField, values: dict[str, Any]) -> dict[str, Any]:
    initial = values.get(spec.name, spec.initial)
    block: dict[str, Any] = {
        "type": "input",
        "block_id": spec.name,
        "label": plain(spec.label, LABEL),
        "element": _ELEMENTS[spec.kind](spec, initial),
        # A checkbox left unticked is an answer; the core checks "required" everywhere.
        "optional": spec.kind == "checkbox" or not spec.required,
    }
    if spec.hint:
        block["hint"] = plain(spec.hint, HINT)
    return block


def _text_input(spec: FormField, initial: Any, multiline: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": INPUT_ACTION}
    if multiline:
        element["multiline"] = True
    if spec.max_length:
        element["max_length"] = min(spec.max_length, INPUT_MAX)
    if initial not in (None, ""):
        element["initial_value"] = str(initial)[:INPUT_MAX]
    if spec.placeholder:
        element["placeholder"] = plain(spec.placeholder, PLACEHOLDER)
    return element


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, OPTION_TEXT), "value": value}


def _options(spec: FormField) -> list[dict[str, Any]]:
    usable = [o for o in spec.options if 0 < len(o.value) <= OPTION_VALUE]
    if len(usable) < len(spec.options):
        log.error("options dropped: value empty or too long", extra={"field": spec.name})
    return [_option(o.value, o.label) for o in usable[:OPTIONS]] or [_option("-", "—")]


def _select(spec: FormField, initial: Any) -> dict[str, Any]:
    options = _options(spec)
    element: dict[str, Any] = {"type": "static_select", "action_id": INPUT_ACTION}
    element["options"] = options
    chosen = [o for o in options if o["value"] == str(initial)] if initial is not None else []
    if chosen:
        element["initial_option"] = chosen[0]
    if spec.placeholder:
        element["placeholder"] = plain(spec.placeholder, PLACEHOLDER)
    return element


def _multiselect(spec: FormField, initial: Any) -> dict[str, Any]:
    options = _options(spec)
    element: dict[str, Any] = {"type": "multi_static_select", "action_id": INPUT_ACTION}
    element["options"] = options
    wanted = {str(v) for v in initial} if isinstance(initial, list | tuple | set) else set()
    chosen = [o for o in options if o["value"] in wanted]
    if chosen:
        element["initial_options"] = chosen
    if spec.placeholder:
        element["placeholder"] = plain(spec.placeholder, PLACEHOLDER)
    return element


def _date(spec: FormField, initial: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datepicker", "action_id": INPUT_ACTION}
    if initial:
        element["initial_date"] = str(initial)[:10]
    if spec.placeholder:
        element["placeholder"] = plain(spec.placeholder, PLACEHOLDER)
    return element


def _checkbox(spec: FormField, initial: Any) -> dict[str, Any]:
    option = _option("yes", spec.hint or spec.label)
    element: dict[str, Any] = {"type": "checkboxes", "action_id": INPUT_ACTION}
    element["options"] = [option]
    if initial is True:
        element["initial_options"] = [option]
    return element


_ELEMENTS = {
    "text": _text_input,
    "multiline": lambda spec, initial: _text_input(spec, initial, multiline=True),
    "select": _select,
    "multiselect": _multiselect,
    "date": _date,
    "checkbox": _checkbox,
}


def to_errors(errors: dict[str, str], form_view: dict[str, Any]) -> dict[str, str]:
    """Errors keyed by block id, only for blocks the modal has (Slack refuses others)."""
    inputs = [b["block_id"] for b in form_view.get("blocks", []) if b.get("type") == "input"]
    known = {name: fit(text, ERROR_TEXT) for name, text in errors.items() if name in inputs}
    stray = [text for name, text in errors.items() if name not in inputs]
    if stray and inputs:
        first = inputs[0]
        known[first] = fit(" ".join([known.get(first, ""), *stray]).strip(), ERROR_TEXT)
    return known


def to_values(state_values: dict[str, Any]) -> dict[str, Any]:
    """Slack's ``view.state.values`` (block → action → typed value) as field → value."""
    values: dict[str, Any] = {}
    for block_id, actions in state_values.items():
        for element in actions.values():
            values[block_id] = _VALUE_READERS.get(element.get("type"), _raw)(element)
    return values


def _raw(element: dict[str, Any]) -> Any:
    return element.get("value")


def _selected(element: dict[str, Any]) -> Any:
    option = element.get("selected_option")
    return option.get("value") if option else None


def _selected_many(element: dict[str, Any]) -> list[str]:
    return [option["value"] for option in element.get("selected_options") or []]


_VALUE_READERS = {
    "plain_text_input": lambda element: element.get("value") or "",
    "static_select": _selected,
    "radio_buttons": _selected,
    "multi_static_select": _selected_many,
    "datepicker": lambda element: element.get("selected_date"),
    "checkboxes": lambda element: bool(element.get("selected_options")),
}
