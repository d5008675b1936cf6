"""Who a Teams user is in the directory's terms: their email (or UPN), asked once in a while.

Activities carry only Teams ids; the email that links the account to a ``Person`` comes
from the connector (``TeamsInfo.get_member``). Asking on every message would double the
connector calls, so answers are kept per process for ``ttl`` seconds (failures for
``miss_ttl``, so an unreachable roster is not asked on every turn either). The cache lives
on the adapter object: each process has its own, and nothing is module-level.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from cachetools import TLRUCache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Member:
    email: str | None = None
    name: str | None = None
    aad_object_id: str | None = None


class MemberCache:
    def __init__(
        self,
        ttl: float = 3600.0,
        miss_ttl: float = 300.0,
        size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: TLRUCache[tuple[str, str], Member | None] = TLRUCache(
            size,
            ttu=lambda _key, member, now: now + (ttl if member is not None else miss_ttl),
            timer=clock,
        )

    def cached(self, tenant: str, user_id: str) -> tuple[bool, Member | None]:
        key = (tenant, user_id)
        if key not in self._entries:
            return False, None
        return True, self._entries[key]

    def remember(self, tenant: str, user_id: str, member: Member | None) -> None:
        self._entries[(tenant, user_id)] = member

    async def lookup(self, context: TurnContext, tenant: str, user_id: str) -> Member | None:
        hit, member = self.cached(tenant, user_id)
        if hit:
            return member
        try:
            account = await TeamsInfo.get_member(context, user_id)
        except Exception as exc:  # any connector failure: proceed without an email
            log.info("teams member lookup failed", extra={"error": type(exc).__name__})
            member = None
        else:
            member = Member(
                email=account.email or account.user_principal_name or None,
                name=account.name or None,
                aad_object_id=account.aad_object_id or None,
            )
        self.remember(tenant, user_id, member)
        return member
