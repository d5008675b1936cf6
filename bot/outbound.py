"""Proactive sends: "send this to person P" on whichever platform P is reachable."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine

from bot.replies import Reply
from bot.transport import ChannelSender, Sender
from storage.engine import session_scope
from storage.people import PlatformAccount, accounts_of

log = logging.getLogger(__name__)


class NotReachable(RuntimeError):
    """The person has no account on any platform this process can send to."""


class Outbound:
    def __init__(self, engine: Engine, senders: dict[str, Sender] | None = None) -> None:
        self.engine = engine
        self.senders: dict[str, Sender] = dict(senders or {})

    def add(self, sender: Sender) -> None:
        self.senders[sender.platform] = sender

    def reachable_accounts(self, person_id: int) -> list[PlatformAccount]:
        with session_scope(self.engine) as session:
            accounts = accounts_of(session, person_id)
        ordered = sorted(accounts, key=lambda account: account.updated_at, reverse=True)
        return [account for account in ordered if account.platform in self.senders]

    async def send(self, person_id: int, reply: Reply) -> str:
        """Deliver on the most recently used reachable platform; returns its name."""
        for account in self.reachable_accounts(person_id):
            sender = self.senders[account.platform]
            await sender.deliver(account.user_id, account.conversation_ref, reply)
            return account.platform
        raise NotReachable(f"person {person_id} has no reachable account")

    async def close(self) -> None:
        """Give back what senders keep open between sends (Teams' HTTP session), so a
        process that stops does not leave them to the garbage collector's complaints."""
        for sender in self.senders.values():
            close = getattr(sender, "close", None)
            if close is not None:
                await close()

    def can_post_to(self, platform: str) -> bool:
        return isinstance(self.senders.get(platform), ChannelSender)

    async def send_to_channel(self, platform: str, channel: str, reply: Reply) -> None:
        """Post in a channel on ``platform``; raises ``NotReachable`` when no sender here
        can post to channels there (check ``can_post_to`` first to fall back to people)."""
        sender = self.senders.get(platform)
        if not isinstance(sender, ChannelSender):
            raise NotReachable(f"no channel sender for {platform}")
        await sender.deliver_to_channel(channel, reply)
