"""Slack payloads as neutral events: pure functions, dispatched through tables.

Nothing here calls Slack or assumes a channel: an action pressed in App Home or in a modal
has none, and the converters say so with the conversation kind instead of failing. The
actor carries only what the payload says (user and team); the adapter adds email, locale
and time zone from users.info before the turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from adapters.slack.forms import from_metadata, to_values
from adapters.slack.render import from_action_id, unescape
from adapters.slack.transport import Route
from bot.events import (
    Action,
    Actor,
    Command,
    Conversation,
    ConversationKind,
    Event,
    FormSubmit,
    HomeOpened,
    Message,
)
from bot.turn import split_words

Payload = dict[str, Any]
OBJECT_FIELDS = ("event", "view", "team", "user", "channel", "container", "message", "state")
"""Top-level fields that are JSON objects whenever Slack sends them (bolt reads them too)."""
LIST_FIELDS = ("actions", "authorizations")


class MalformedPayload(ValueError):
    """A body Slack would never send: the adapter answers 400 instead of guessing."""


_LEADING_MENTION = re.compile(r"^\s*<@([UW][A-Z0-9]+)(?:\|[^>]*)?>[\s,:]*")


def text_of(value: Any) -> str:
    """A string Slack sent, "" when absent; anything else in its place is no Slack payload."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedPayload(f"a {type(value).__name__} where Slack sends a string")
    return value


def to_actor(user_id: str, team_id: str) -> Actor:
    return Actor(platform="slack", user_id=text_of(user_id), tenant=text_of(team_id))


def to_conversation(conversation_id: str, kind: ConversationKind, **ref: str) -> Conversation:
    ref = {key: text_of(value) for key, value in ref.items()}
    return Conversation(
        id=text_of(conversation_id), kind=kind, ref={k: v for k, v in ref.items() if v}
    )


def is_bot_message(event: Payload) -> bool:
    """Bots (ourselves included) and edits, joins, deletions are not someone talking."""
    return bool(event.get("bot_id") or event.get("subtype") or event.get("bot_profile"))


def is_direct_channel(channel: str) -> bool:
    return channel.startswith("D")


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """``<@BOT> help`` → ``help``; another person's mention at the start stays."""
    match = _LEADING_MENTION.match(text)
    if match and (bot_user_id is None or match.group(1) == bot_user_id):
        return text[match.end() :]
    return text


def to_command(body: Payload) -> Command:
    """``/elci <verb> [args]``; a bare ``/elci`` asks for help."""
    text = unescape(body.get("text") or "").strip()
    words = split_words(text)
    actor = to_actor(body.get("user_id", ""), body.get("team_id", ""))
    channel = body.get("channel_id", "")
    conversation = to_conversation(channel, "channel", channel=channel)
    return Command(actor, conversation, words[0] if words else "help", tuple(words[1:]), text)


def to_direct_message(envelope: Payload, bot_user_id: str | None) -> Event | None:
    event = envelope["event"]
    if is_bot_message(event) or event.get("channel_type") != "im":
        return None
    channel = event.get("channel", "")
    conversation = to_conversation(channel, "direct", channel=channel)
    actor = to_actor(event.get("user", ""), envelope.get("team_id", ""))
    return Message(actor, conversation, unescape(event.get("text") or ""))


def to_mention(envelope: Payload, bot_user_id: str | None) -> Event | None:
    event = envelope["event"]
    if event.get("bot_id") or not event.get("user"):
        return None
    channel = event.get("channel", "")
    thread = event.get("thread_ts") or event.get("ts", "")
    conversation = to_conversation(channel, "channel", channel=channel, thread_ts=thread)
    text = unescape(strip_mention(event.get("text") or "", bot_user_id)).strip()
    return Message(to_actor(event["user"], envelope.get("team_id", "")), conversation, text)


def to_home_opened(envelope: Payload, bot_user_id: str | None) -> Event | None:
    event = envelope["event"]
    if event.get("tab") != "home":
        return None
    channel = event.get("channel", "")
    conversation = to_conversation(channel or event["user"], "home", channel=channel)
    return HomeOpened(to_actor(event["user"], envelope.get("team_id", "")), conversation)


def _team(body: Payload) -> str:
    return (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")


def to_interaction_conversation(body: Payload) -> Conversation:
    """Where a click happened: a message (maybe a DM), App Home, or a modal."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
    if channel:
        direct = is_direct_channel(channel) and not container.get("is_ephemeral")
        return to_conversation(channel, "direct" if direct else "channel", channel=channel)
    view = body.get("view") or {}
    kind: ConversationKind = "home" if view.get("type") == "home" else "form"
    return to_conversation(view.get("id", ""), kind)


def to_action(body: Payload, bot_user_id: str | None) -> Event | None:
    actions = body.get("actions") or []
    action_id = from_action_id(actions[0].get("action_id", "")) if actions else None
    if not action_id:
        return None
    values = to_values(((body.get("state") or {}).get("values")) or {})
    actor = to_actor(body["user"]["id"], _team(body))
    value = text_of(actions[0].get("value"))
    return Action(actor, to_interaction_conversation(body), action_id, value, values)


def to_form_submit(body: Payload, bot_user_id: str | None) -> Event | None:
    view = body.get("view") or {}
    form_id, state = from_metadata(view.get("private_metadata", ""))
    if not form_id:
        return None
    values = to_values((view.get("state") or {}).get("values") or {})
    actor = to_actor(body["user"]["id"], _team(body))
    conversation = to_conversation(view.get("id", ""), "form")
    return FormSubmit(actor, conversation, form_id, values, state)


Converter = Callable[[Payload, str | None], Event | None]

EVENTS: dict[str, Converter] = {
    "message": to_direct_message,
    "app_mention": to_mention,
    "app_home_opened": to_home_opened,
}
"""Events API ``event.type`` → converter; the manifest subscribes to exactly these."""

INTERACTIONS: dict[str, Converter] = {
    "block_actions": to_action,
    "view_submission": to_form_submit,
}
"""Interactivity ``type`` → converter."""


def check(body: Any) -> None:
    """Raise ``MalformedPayload`` for a body whose shape neither bolt nor the converters can
    read: the one gate between a signed request and code that indexes into it."""
    if not isinstance(body, dict):
        raise MalformedPayload("the body is not an object")
    for name in OBJECT_FIELDS:
        if name in body and not isinstance(body[name], dict):
            raise MalformedPayload(f"{name} is not an object")
    for name in LIST_FIELDS:
        value = body.get(name)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(item, dict) for item in value)
        ):
            raise MalformedPayload(f"{name} is not a list of objects")
    if "command" in body and not (body.get("user_id") and body.get("team_id")):
        raise MalformedPayload("a command without its user or team")
    if body.get("type") == "url_verification" and not isinstance(body.get("challenge"), str):
        raise MalformedPayload("a url_verification without its challenge")
    try:
        to_event(body)
        to_route(body)
    except MalformedPayload:
        raise
    except (LookupError, TypeError, AttributeError, ValueError) as exc:
        raise MalformedPayload(f"unreadable payload: {type(exc).__name__}") from exc


def to_event(body: Payload, bot_user_id: str | None = None) -> Event | None:
    """Any Slack request body as a neutral event, or None when it is nothing to answer.
    Bodies that passed ``check`` convert without raising."""
    if "command" in body:
        return to_command(body)
    if body.get("type") == "event_callback":
        converter = EVENTS.get((body.get("event") or {}).get("type", ""))
    else:
        converter = INTERACTIONS.get(body.get("type", ""))
    return converter(body, bot_user_id) if converter else None


def to_route(body: Payload) -> Route:
    """Where the answers to this request go (see ``adapters.slack.transport``)."""
    if "command" in body:
        return Route(
            user_id=body.get("user_id", ""),
            response_url=body.get("response_url", ""),
            trigger_id=body.get("trigger_id", ""),
            ack_replies=True,
        )
    if body.get("type") == "event_callback":
        event = body["event"]
        user = event.get("user", "")
        if event.get("type") == "app_home_opened":
            return Route(user_id=user, home=True)
        thread = (
            (event.get("thread_ts") or event.get("ts", ""))
            if event["type"] == "app_mention"
            else ""
        )
        return Route(user_id=user, channel=event.get("channel", ""), thread_ts=thread)
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
    direct = is_direct_channel(channel) and not container.get("is_ephemeral")
    return Route(
        user_id=(body.get("user") or {}).get("id", ""),
        channel=channel if direct else "",
        response_url=body.get("response_url", ""),
        message_channel=channel,
        message_ts=container.get("message_ts", ""),
        ephemeral=not direct,
        trigger_id=body.get("trigger_id", ""),
        view_id=(body.get("view") or {}).get("id", "")
        if body.get("type") == "view_submission"
        else "",
    )
