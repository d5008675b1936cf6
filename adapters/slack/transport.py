"""Answers within one Slack turn, sent wherever that kind of request can be answered.

A slash command is answered in its own HTTP response when the turn is quick (no extra
round trip, and the reply is there when Slack shows the command), later through its
response_url. A DM is answered in the DM; a mention in its thread; a click in a DM
message in that DM, elsewhere ephemerally through the response_url; a click in App Home
or a modal in the person's DM. While the ack window is open the transport holds what
must travel in the ack (the slash reply, the modal's next view); ``close_window`` hands
that over and sends the rest in order.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import zlib
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from cachetools import TTLCache
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.client import error_code, in_history, respond
from adapters.slack.forms import FormTooLarge, Origin, to_modal
from adapters.slack.render import (
    BUTTON_VALUE,
    OPEN_FORM_PREFIX,
    fit,
    fit_mrkdwn,
    plain,
    to_message,
)
from bot.replies import Card, Form, Reply

log = logging.getLogger(__name__)


@dataclass
class Route:
    """Where this turn's answers go; fields a request does not have stay empty."""

    user_id: str
    channel: str = ""
    thread_ts: str = ""
    response_url: str = ""
    message_channel: str = ""
    message_ts: str = ""
    ephemeral: bool = True
    trigger_id: str = ""
    view_id: str = ""
    home: bool = False
    ack_replies: bool = False


class SlackApi:
    """The few Web API calls a turn makes, each logged by Slack's error code on failure."""

    def __init__(self, client: AsyncWebClient, dm_ttl: float = 3600.0) -> None:
        self.client = client
        self.dm_channels: TTLCache[str, str] = TTLCache(10_000, dm_ttl)

    @property
    def session(self) -> aiohttp.ClientSession | None:
        return self.client.session

    async def dm_channel(self, user_id: str) -> str:
        channel = self.dm_channels.get(user_id)
        if channel is None:
            opened = await self.client.conversations_open(users=user_id)
            channel = str(opened["channel"]["id"])
            self.dm_channels[user_id] = channel
        return channel

    async def answered(self, channel: str, event_id: str) -> bool:
        """Whether the recent history of ``channel`` holds an answer marked with ``event_id``
        (``TurnMark``; needs ``im:history`` for a DM)."""
        return await in_history(self.client, channel, TurnMark(event_id).metadata)

    async def post(self, channel: str, message: dict[str, Any], thread_ts: str = "") -> str:
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        sent = await self.client.chat_postMessage(channel=channel, **message, **extra)
        return str(sent.get("ts") or "")

    async def update(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        await self.client.chat_update(channel=channel, ts=ts, **message)

    async def respond(self, url: str, message: dict[str, Any]) -> None:
        status = await respond(self.session, url, message)
        if status >= 400:
            log.warning("response_url refused", extra={"status": status})

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        await self.client.views_open(trigger_id=trigger_id, view=view)

    async def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        await self.client.views_publish(user_id=user_id, view=view)


def to_open_form_value(view: dict[str, Any]) -> str | None:
    """A modal packed into a button value, for turns Slack gave no trigger to open it."""
    packed = zlib.compress(json.dumps(view, separators=(",", ":")).encode(), 9)
    value = base64.urlsafe_b64encode(packed).decode()
    return value if len(value) <= BUTTON_VALUE else None


def from_open_form_value(value: str) -> dict[str, Any] | None:
    """The packed modal, or None; unpacking stops at 64 KB, whatever the value claims."""
    try:
        unpacker = zlib.decompressobj()
        raw = unpacker.decompress(base64.urlsafe_b64decode(value.encode()), 65_536)
        view = json.loads(raw) if not unpacker.unconsumed_tail else None
    except (ValueError, zlib.error):
        return None
    return view if isinstance(view, dict) and view.get("type") == "modal" else None


def origin_of(route: Route) -> Origin | None:
    """The message a click came from, as a form opened by that click records it."""
    if route.view_id or route.home or not (route.message_ts and route.message_channel):
        return None
    if route.ephemeral and not route.response_url:
        return None
    url = route.response_url if route.ephemeral else ""
    return Origin(route.user_id, route.message_channel, route.message_ts, url)


TURN_EVENT = "elci_turn"
"""The metadata event type that marks a message as the answer to one Events API event."""


@dataclass(frozen=True)
class TurnMark:
    """The event a turn answers, carried by every message it posts: a process that takes
    over the event after a crash looks for it before answering again."""

    event_id: str

    @property
    def metadata(self) -> dict[str, Any]:
        return {"event_type": TURN_EVENT, "event_payload": {"event": self.event_id}}


@dataclass
class Held:
    replies: list[Reply] = field(default_factory=list)
    card: Card | None = None
    form: Form | None = None


class SlackTransport:
    def __init__(
        self, api: SlackApi, route: Route, window: bool = False, mark: TurnMark | None = None
    ) -> None:
        self.api = api
        self.route = route
        self.window = window
        self.mark = mark
        self.held = Held()
        self.home: list[Reply] = []
        # Recorded in the forms this turn opens; for a submitted form, the app sets its own.
        self.origin = origin_of(route)
        self._order = asyncio.Lock()

    async def send(self, reply: Reply) -> None:
        if self.route.home:
            self.home.append(reply)
        elif self.window and self.route.ack_replies:
            self.held.replies.append(reply)
        else:
            async with self._order:
                await self._post(reply)

    async def update(self, card: Card) -> None:
        if self.window and self.route.view_id:
            self.held.card = card
            return
        async with self._order:
            await self._replace(card)

    async def open_form(self, form: Form) -> None:
        if self.window and self.route.view_id:
            self.held.form = form
            return
        async with self._order:
            await self._open(form)

    def close_window(self) -> Held:
        """Stop holding; the caller acks with what was held and then calls ``flush``."""
        self.window = False
        held, self.held = self.held, Held()
        return held

    async def flush(self, held: Held) -> None:
        """Send, in order, what was held but could not travel in the ack."""
        async with self._order:
            for reply in held.replies:
                await self._post(reply)
            if held.card is not None:
                await self._post(held.card)
            if held.form is not None:
                await self._open(held.form)

    async def check_origin(self, origin: Origin) -> Origin | None:
        """``origin`` if the person submitting may have their card replaced there, else None.

        It must be their own click; a message Elçi updates by ``chat.update`` must be in their
        DM with Elçi (a response_url is Slack's own answer to that click, bound to it)."""
        route = self.route
        if origin.user_id != route.user_id:
            log.warning("form origin of another person ignored")
            return None
        if origin.response_url:
            return origin
        if not origin.channel.startswith("D"):
            return None
        try:
            mine = await self.api.dm_channel(route.user_id)
        except Exception as exc:
            log.error("form origin not checked", extra={"error": error_code(exc)})
            return None
        if mine != origin.channel:
            log.warning("form origin outside the person's DM ignored")
            return None
        return origin

    async def replace_at(self, origin: Origin, card: Card) -> None:
        """Replace the message a form was opened from (``origin`` checked by ``check_origin``)."""
        message = to_message(card)
        async with self._order:
            try:
                if origin.response_url:
                    await self.api.respond(
                        origin.response_url, {**message, "replace_original": True}
                    )
                else:
                    await self.api.update(origin.channel, origin.ts, message)
            except Exception as exc:
                log.error("card not updated", extra={"error": error_code(exc)})

    async def _post(self, reply: Reply) -> None:
        route = self.route
        message = to_message(reply)
        if self.mark is not None:
            message["metadata"] = self.mark.metadata
        try:
            if route.channel:
                await self.api.post(route.channel, message, route.thread_ts)
            elif route.response_url:
                kind = "ephemeral" if route.ephemeral else "in_channel"
                await self.api.respond(
                    route.response_url,
                    {**message, "response_type": kind, "replace_original": False},
                )
            else:
                await self.api.post(await self.api.dm_channel(route.user_id), message)
        except Exception as exc:  # a failed reply is logged; the turn goes on
            log.error("reply not delivered", extra={"error": error_code(exc)})

    async def _replace(self, card: Card) -> None:
        route = self.route
        message = to_message(card)
        try:
            if route.message_ts and route.message_channel and not route.ephemeral:
                await self.api.update(route.message_channel, route.message_ts, message)
            elif route.response_url:
                await self.api.respond(route.response_url, {**message, "replace_original": True})
            else:
                await self._post(card)
        except Exception as exc:
            log.error("card not updated", extra={"error": error_code(exc)})

    async def _open(self, form: Form) -> None:
        try:
            view = to_modal(form, self.origin)
        except FormTooLarge as exc:
            log.error("form not opened", extra={"error": str(exc)})
            return
        if self.route.trigger_id:
            try:
                await self.api.open_view(self.route.trigger_id, view)
                return
            except Exception as exc:  # an expired trigger: offer a button instead
                log.warning("views.open failed", extra={"error": error_code(exc)})
        await self._offer_form(form, view)

    async def _offer_form(self, form: Form, view: dict[str, Any]) -> None:
        """Slack opens modals only in answer to a click or a command: post a button."""
        value = to_open_form_value(view)
        if value is None:
            log.error("form not opened: too large for a button", extra={"form": form.form_id})
            return
        button = {
            "type": "button",
            "text": plain(form.title, 75),
            "action_id": f"{OPEN_FORM_PREFIX}{fit(form.form_id, 200)}",
            "value": value,
            "style": "primary",
        }
        blocks: list[dict[str, Any]] = [{"type": "actions", "elements": [button]}]
        message = {"text": fit_mrkdwn(form.title, 3000) or " ", "blocks": blocks}
        route = self.route
        try:
            channel = route.channel or await self.api.dm_channel(route.user_id)
            await self.api.post(channel, message, route.thread_ts)
        except Exception as exc:
            log.error("form button not delivered", extra={"error": error_code(exc)})
