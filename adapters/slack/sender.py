"""Proactive sends on Slack: a card to a person's DM, and updating it later.

Broadcasts need to know, per failed delivery, whether to try again: Slack's error codes
are sorted here into permanent (the person or the bot cannot be reached, or our own
credentials are wrong) and transient (rate limits that outlasted the retries, Slack's
own troubles, the network), and raised as the core's ``DeliveryError``.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

from adapters.slack.client import error_code, in_history, make_client
from adapters.slack.render import to_message
from bot.config import Settings
from bot.replies import Reply
from bot.transport import DeliveryError

PERMANENT = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "account_inactive",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "cannot_dm_bot",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "user_disabled",
        "restricted_action",
        "msg_too_long",
        "invalid_blocks",
        "invalid_arguments",
    }
)
TRANSIENT = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "fatal_error",
        "internal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)


DELIVERY_EVENT = "elci_delivery"
"""The metadata event type that marks a campaign delivery in a DM."""


def delivery_metadata(delivery_id: str) -> dict[str, Any]:
    return {"event_type": DELIVERY_EVENT, "event_payload": {"delivery": delivery_id}}


def to_delivery_error(exc: BaseException) -> DeliveryError:
    """Slack's refusal as the core's error: permanent means retrying cannot help."""
    code = error_code(exc)
    if isinstance(exc, SlackApiError):
        response: Any = exc.response
        status = int(response.status_code or 0)
        retry_after = _retry_after(response.headers or {})
        if code in TRANSIENT or status == 429 or status >= 500:
            return DeliveryError(code, permanent=False, retry_after=retry_after)
        # PERMANENT names the usual ones; any other refusal is about what was sent or to
        # whom, and the same send would be refused again.
        return DeliveryError(code, permanent=True)
    return DeliveryError(code, permanent=False)  # the network or a timeout


def _retry_after(headers: dict[str, Any]) -> float | None:
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) else value
            try:
                return float(raw)
            except (TypeError, ValueError):
                return None
    return None


class SlackSender:
    """``Sender`` and ``ChannelSender`` for platform "slack"; ``conversation_ref`` is
    ``{"channel": ...}`` or None (then the person's DM is opened by user id)."""

    platform = "slack"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def deliver(
        self,
        user_id: str,
        conversation_ref: dict[str, Any] | None,
        reply: Reply,
        delivery_id: str | None = None,
    ) -> None:
        """``delivery_id`` (a campaign delivery) goes along in the message metadata, so
        that ``delivered`` can find the message after a crash."""
        await self.post(user_id, conversation_ref, reply, delivery_id)

    async def delivered(
        self, user_id: str, conversation_ref: dict[str, Any] | None, delivery_id: str
    ) -> bool | None:
        """Whether the person's DM holds the message of ``delivery_id`` (its recent
        history, metadata included; needs ``im:history``); None when Slack cannot say."""
        async with self._client() as client:
            try:
                channel = (conversation_ref or {}).get("channel")
                if not channel:
                    opened = await client.conversations_open(users=user_id)
                    channel = opened["channel"]["id"]
                return await in_history(client, channel, delivery_metadata(delivery_id))
            except (TimeoutError, SlackApiError, aiohttp.ClientError):
                return None

    async def post(
        self,
        user_id: str,
        conversation_ref: dict[str, Any] | None,
        reply: Reply,
        delivery_id: str | None = None,
    ) -> dict[str, str]:
        """Send; returns ``{"channel", "ts"}``, the reference ``update`` takes."""
        message = to_message(reply)
        if delivery_id is not None:
            message["metadata"] = delivery_metadata(delivery_id)
        async with self._client() as client:
            try:
                channel = (conversation_ref or {}).get("channel")
                if not channel:
                    opened = await client.conversations_open(users=user_id)
                    channel = opened["channel"]["id"]
                sent = await client.chat_postMessage(channel=channel, **message)
            except (TimeoutError, SlackApiError, aiohttp.ClientError) as exc:
                raise to_delivery_error(exc) from exc
        return {"channel": str(channel), "ts": str(sent.get("ts") or "")}

    async def deliver_to_channel(self, channel: str, reply: Reply) -> None:
        """Post in a shared channel (a department's queue). The bot must be a member of it
        (``/invite @Elçi``); otherwise Slack says ``not_in_channel``, a permanent error."""
        await self.post("", {"channel": channel}, reply)

    async def update(self, message_ref: dict[str, str], reply: Reply) -> None:
        """Replace a message sent earlier (a broadcast card whose state changed)."""
        async with self._client() as client:
            try:
                await client.chat_update(
                    channel=message_ref["channel"], ts=message_ref["ts"], **to_message(reply)
                )
            except (TimeoutError, SlackApiError, aiohttp.ClientError) as exc:
                raise to_delivery_error(exc) from exc

    def _client(self) -> _ClientScope:
        return _ClientScope(self.settings)


class _ClientScope:
    """A client with its own HTTP session for one send: senders run in any event loop
    (the server's, a worker's, a CLI command's), and a session must not outlive its loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Any:
        self.session = aiohttp.ClientSession()
        return make_client(self.settings, self.session)

    async def __aexit__(self, *exc: object) -> None:
        if self.session is not None:
            await self.session.close()
