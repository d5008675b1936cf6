"""Proactive sends on Teams: the ``Sender`` the core's outbound delivery calls.

A stored conversation reference (kept by the core when the person talked to the bot 1:1 or
installed it) is continued with the SDK's ``continue_conversation``. A reference that knows
only the person (AAD object id or Teams id), the tenant and the service URL gets its 1:1
conversation created first; Teams returns the same conversation for the same pair, so
nothing needs remembering. Failures become ``DeliveryError`` (see ``adapters.teams.retry``).

It is also a ``ChannelSender``: a department's queue may be a team channel (its
conversation id, ``19:…@thread.tacv2``), where each card starts a new thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import (
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from botbuilder.schema.teams import ChannelInfo, TeamsChannelData, TenantInfo
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from adapters.teams.connection import TeamsConnection
from adapters.teams.retry import DEFAULT_POLICY, RetryPolicy, with_retries
from adapters.teams.transport import to_activity
from bot.replies import Reply
from bot.transport import DeliveryError
from storage.engine import session_scope
from storage.people import PlatformAccount

log = logging.getLogger(__name__)


def _connector(context: TurnContext) -> Any:
    return context.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY]


class TeamsSender:
    platform = "teams"

    def __init__(
        self,
        connection: TeamsConnection,
        policy: RetryPolicy = DEFAULT_POLICY,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        engine: Engine | None = None,
    ) -> None:
        """``engine``: where the stored conversation references are, which tell the
        service URL a channel post goes to (without one, no channel posts)."""
        self.connection = connection
        self.engine = engine
        self.config = connection.config
        self.policy = policy
        self.sleep = sleep

    async def close(self) -> None:
        await self.connection.close()

    async def deliver(
        self,
        user_id: str,
        conversation_ref: dict[str, Any] | None,
        reply: Reply,
        delivery_id: str | None = None,
    ) -> None:
        """``delivery_id`` is accepted for the core's campaigns and not sent: Teams offers
        no way to look it up later, so a delivery in doubt is resent at most once."""
        ref = conversation_ref or {}
        service_url = ref.get("serviceUrl")
        if not service_url:
            raise DeliveryError("teams: no conversation reference for this account", permanent=True)
        if not self.config.may_reply_to(service_url):
            raise DeliveryError("teams: emulator mode sends only to loopback", permanent=True)
        if (ref.get("conversation") or {}).get("id"):
            send = self._continue(ref, reply)
        else:
            send = self._create(ref, user_id, reply)
        await with_retries(send, self.policy, self.sleep)

    def _continue(self, ref: dict[str, Any], reply: Reply) -> Callable[[], Awaitable[None]]:
        reference = ConversationReference().deserialize(ref)

        async def post(context: TurnContext) -> None:
            activity = TurnContext.apply_conversation_reference(to_activity(reply), reference)
            await _connector(context).conversations.send_to_conversation(
                reference.conversation.id, activity
            )

        async def attempt() -> None:
            await self.connection.adapter.continue_conversation(
                reference, post, bot_app_id=self.config.app_id or None
            )

        return attempt

    def _create(
        self, ref: dict[str, Any], user_id: str, reply: Reply
    ) -> Callable[[], Awaitable[None]]:
        user = ref.get("user") or {}
        tenant = ref.get("tenantId") or ""
        bot = ChannelAccount().deserialize(ref.get("bot") or {"id": f"28:{self.config.app_id}"})
        member = ChannelAccount(id=user.get("aadObjectId") or user.get("id") or user_id)
        parameters = ConversationParameters(
            is_group=False,
            bot=bot,
            members=[member],
            tenant_id=tenant or None,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
        )

        async def post(context: TurnContext) -> None:
            created = context.activity
            activity = to_activity(reply)
            activity.from_property = bot
            activity.recipient = member
            activity.conversation = ConversationAccount(id=created.conversation.id)
            activity.service_url = created.service_url
            activity.channel_id = created.channel_id
            await _connector(context).conversations.send_to_conversation(
                created.conversation.id, activity
            )

        async def attempt() -> None:
            await self.connection.adapter.create_conversation(
                self.config.app_id or None,
                post,
                parameters,
                channel_id=ref.get("channelId") or "msteams",
                service_url=ref["serviceUrl"],
            )

        return attempt

    async def deliver_to_channel(self, channel: str, reply: Reply) -> None:
        """Start a thread in a team channel (a department's queue). The app must be
        installed in that team; Teams answers 403/404 otherwise, a permanent error.

        A channel id names no service URL; Teams serves a tenant's chats and channels from
        one regional URL, so the one of the newest stored Teams conversation is used."""
        known = await asyncio.to_thread(self._newest_reference)
        if known is None:
            raise DeliveryError("teams: no conversation seen yet: no service URL", permanent=True)
        service_url, tenant = known
        if not self.config.may_reply_to(service_url):
            raise DeliveryError("teams: emulator mode sends only to loopback", permanent=True)
        parameters = ConversationParameters(
            is_group=True,
            tenant_id=tenant or None,
            channel_data=TeamsChannelData(
                channel=ChannelInfo(id=channel), tenant=TenantInfo(id=tenant) if tenant else None
            ).serialize(),
            activity=to_activity(reply),
        )

        async def created(_context: TurnContext) -> None:
            """The card went with the request that created the thread: nothing to add."""

        async def attempt() -> None:
            await self.connection.adapter.create_conversation(
                self.config.app_id or None,
                created,
                parameters,
                channel_id="msteams",
                service_url=service_url,
            )

        await with_retries(attempt, self.policy, self.sleep)

    def _newest_reference(self) -> tuple[str, str] | None:
        """(service URL, tenant) of the most recently stored Teams conversation."""
        if self.engine is None:
            return None
        query = (
            select(PlatformAccount)
            .where(PlatformAccount.platform == self.platform)
            .order_by(col(PlatformAccount.updated_at).desc())
            .limit(20)
        )
        with session_scope(self.engine) as session:
            for account in session.exec(query):
                ref = account.conversation_ref or {}
                if ref.get("serviceUrl"):
                    return str(ref["serviceUrl"]), str(ref.get("tenantId") or account.tenant)
        return None
