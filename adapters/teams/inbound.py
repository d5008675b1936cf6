"""Bot Framework activities (the JSON Teams posts) as neutral events. Pure functions.

Dispatch is a table on the activity type, then on the kind Elçi wrote into the card
action's data. Elçi's own keys live under one reserved name, ``RESERVED``, that no form
field may use, so they never collide with input ids: Teams merges the action's data and
the inputs' values into one ``value`` object.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from bot.events import (
    Action,
    Actor,
    Conversation,
    ConversationKind,
    Event,
    FormSubmit,
    Installed,
    Message,
)

RESERVED = "__elci"
"""Key of Elçi's own data in an Action.Submit / Action.Execute ``data`` object."""
ORIGIN = "origin"
"""Key, in a form's own data, of the card whose button opened the form (see ``to_origin``)."""
ACTIVITY_ID = 256

_MENTION = re.compile(r"<at\b[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_KINDS: dict[str, ConversationKind] = {
    "personal": "direct",
    "groupChat": "channel",
    "channel": "channel",
}

Activity = Mapping[str, Any]
Json = dict[str, Any]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    """A non-empty string Teams sent, or None for anything else in its place."""
    return value if isinstance(value, str) and value else None


def to_tenant(activity: Activity) -> str:
    """Teams puts the tenant in channelData; the conversation repeats it."""
    tenant = _dict(_dict(activity.get("channelData")).get("tenant")).get("id")
    return str(tenant or _dict(activity.get("conversation")).get("tenantId") or "")


def _client_info(activity: Activity) -> dict[str, Any]:
    for entity in _list(activity.get("entities")):
        if isinstance(entity, dict) and entity.get("type") == "clientInfo":
            return entity
    return {}


def to_locale(activity: Activity) -> str | None:
    return _text(activity.get("locale")) or _text(_client_info(activity).get("locale"))


def to_actor(activity: Activity) -> Actor:
    sender = _dict(activity.get("from"))
    return Actor(
        platform="teams",
        user_id=str(sender.get("id") or ""),
        tenant=to_tenant(activity),
        name=_text(sender.get("name")),
        locale=to_locale(activity),
        timezone=_text(activity.get("localTimezone"))
        or _text(_client_info(activity).get("timezone")),
    )


def to_reference(activity: Activity) -> dict[str, Any]:
    """How to reach this conversation later (wire-format ConversationReference).

    No ``activityId``: a proactive message starts a new message, it answers nothing.
    """
    conversation = _dict(activity.get("conversation"))
    sender = _dict(activity.get("from"))
    bot = _dict(activity.get("recipient"))
    reference: dict[str, Any] = {
        "channelId": activity.get("channelId") or "msteams",
        "serviceUrl": activity.get("serviceUrl") or "",
        "tenantId": to_tenant(activity),
        "conversation": {
            k: conversation[k]
            for k in ("id", "conversationType", "tenantId", "isGroup")
            if k in conversation
        },
        "user": {k: sender[k] for k in ("id", "name", "aadObjectId") if k in sender},
        "bot": {k: bot[k] for k in ("id", "name") if k in bot},
    }
    if _text(activity.get("locale")):
        reference["locale"] = activity["locale"]
    return reference


def to_conversation(activity: Activity) -> Conversation:
    conversation = _dict(activity.get("conversation"))
    kind = _KINDS.get(_text(conversation.get("conversationType")) or "")
    if kind is None:
        kind = "channel" if conversation.get("isGroup") else "direct"
    return Conversation(str(conversation.get("id") or ""), kind, to_reference(activity))


def strip_mentions(text: str) -> str:
    """``<at>Elçi</at> help`` is ``help``: in channels people address the bot by name."""
    return " ".join(_MENTION.sub(" ", text).replace("&nbsp;", " ").split())


def to_submission(activity: Activity) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(Elçi's reserved data, the other values) of a card action, else None."""
    if activity.get("type") == "invoke":
        value = _dict(_dict(_dict(activity.get("value")).get("action")).get("data"))
    else:
        value = _dict(activity.get("value"))
    own = value.get(RESERVED)
    if not isinstance(own, dict):
        return None
    return own, {k: v for k, v in value.items() if k != RESERVED}


def _conversation_id(activity: Activity) -> str:
    return str(_dict(activity.get("conversation")).get("id") or "")


def origin_of_press(activity: Activity) -> Json | None:
    """The card a button press came from, for a form that press opens to carry (its
    activity id, and the conversation it is in), or None when Teams did not say."""
    pressed, conversation = activity.get("replyToId"), _conversation_id(activity)
    if not (isinstance(pressed, str) and 0 < len(pressed) <= ACTIVITY_ID and conversation):
        return None
    return {"activity": pressed, "conversation": conversation}


def to_origin(activity: Activity) -> Json | None:
    """The origin a submitted form carries back, if well formed and in this very
    conversation: Elçi replaces a card only where the submit came from."""
    own = (to_submission(activity) or ({}, {}))[0]
    origin = own.get(ORIGIN)
    if not isinstance(origin, dict):
        return None
    pressed, conversation = origin.get("activity"), origin.get("conversation")
    if not (isinstance(pressed, str) and 0 < len(pressed) <= ACTIVITY_ID):
        return None
    if not conversation or conversation != _conversation_id(activity):
        return None
    if pressed == activity.get("replyToId"):
        return None  # the form itself: nothing else to replace
    return {"activity": pressed, "conversation": conversation}


def is_cancel(activity: Activity) -> bool:
    submission = to_submission(activity)
    return submission is not None and submission[0].get("kind") == "cancel"


def _to_action(activity: Activity, own: dict[str, Any], values: dict[str, Any]) -> Event:
    return Action(
        to_actor(activity),
        to_conversation(activity),
        str(own.get("id") or ""),
        str(own.get("value") or ""),
        values,
    )


def _to_form_submit(activity: Activity, own: dict[str, Any], values: dict[str, Any]) -> Event:
    return FormSubmit(
        to_actor(activity),
        to_conversation(activity),
        str(own.get("id") or ""),
        values,
        _dict(own.get("state")),
    )


_SUBMISSIONS: dict[str, Callable[[Activity, dict[str, Any], dict[str, Any]], Event]] = {
    "action": _to_action,
    "form": _to_form_submit,
}


def _from_submission(activity: Activity) -> Event | None:
    submission = to_submission(activity)
    if submission is None:
        return None
    own, values = submission
    convert = _SUBMISSIONS.get(str(own.get("kind")))
    return convert(activity, own, values) if convert else None


def _from_message(activity: Activity) -> Event | None:
    event = _from_submission(activity)
    if event is not None or is_cancel(activity):
        return event
    text = strip_mentions(str(activity.get("text") or ""))
    if not text:
        return None
    return Message(to_actor(activity), to_conversation(activity), text)


def _from_invoke(activity: Activity) -> Event | None:
    return _from_submission(activity) if is_card_invoke(activity) else None


def is_card_invoke(activity: Activity) -> bool:
    """An ``Action.Execute`` press: Teams waits for the card (or message) in the response."""
    return activity.get("type") == "invoke" and activity.get("name") == "adaptiveCard/action"


def is_bot_added(activity: Activity) -> bool:
    bot_id = _dict(activity.get("recipient")).get("id")
    added = _list(activity.get("membersAdded"))
    return any(isinstance(m, dict) and m.get("id") == bot_id for m in added)


def _from_installation(activity: Activity) -> Event | None:
    if activity.get("action") != "add":
        return None
    return Installed(to_actor(activity), to_conversation(activity))


def _from_conversation_update(activity: Activity) -> Event | None:
    if not is_bot_added(activity):
        return None
    return Installed(to_actor(activity), to_conversation(activity))


_BY_TYPE: dict[str, Callable[[Activity], Event | None]] = {
    "message": _from_message,
    "invoke": _from_invoke,
    "installationUpdate": _from_installation,
    "conversationUpdate": _from_conversation_update,
}


def to_event(activity: Activity) -> Event | None:
    """The neutral event this activity means, or None for what Elçi ignores."""
    convert = _BY_TYPE.get(str(activity.get("type") or ""))
    return convert(activity) if convert else None
