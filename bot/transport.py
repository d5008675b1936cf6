"""The ports adapters implement so that handlers can speak without knowing the platform."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from bot.replies import Card, Form, Reply


class Transport(Protocol):
    """Answers within one turn, in the conversation the event came from."""

    async def send(self, reply: Reply) -> None: ...

    async def update(self, card: Card) -> None:
        """Replace the card whose button started this turn."""

    async def open_form(self, form: Form) -> None: ...


class Sender(Protocol):
    """Proactive sends on one platform, to an account's stored conversation reference."""

    platform: str

    async def deliver(
        self, user_id: str, conversation_ref: dict[str, Any] | None, reply: Reply
    ) -> None:
        """Raises on failure, so the caller can record it and retry.

        A sender may also take ``delivery_id=`` (a campaign delivery's id, to mark the
        message with) and offer ``delivered(user_id, conversation_ref, delivery_id) ->
        bool | None``: whether that message arrived, None when it cannot tell. Campaign
        workers use both to reconcile a delivery a crash left in doubt."""


@runtime_checkable
class ChannelSender(Protocol):
    """A sender that can also post into a shared channel, such as a department's queue
    (a Slack channel id, a Teams channel conversation id). Optional: an adapter that
    cannot post to channels simply does not have ``deliver_to_channel``, and features fall
    back to people (see ``Outbound.send_to_channel``)."""

    platform: str

    async def deliver_to_channel(self, channel: str, reply: Reply) -> None:
        """Raises ``DeliveryError`` on failure, like ``deliver``."""


class DeliveryError(RuntimeError):
    """A platform refused a send. ``permanent`` means retrying cannot help (the user blocked
    or removed the bot, the account is gone); otherwise retry, after ``retry_after`` seconds
    when the platform said so."""

    def __init__(self, reason: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
