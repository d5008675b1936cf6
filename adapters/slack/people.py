"""Who a Slack user is: email, name, locale and time zone from users.info, cached.

Every turn needs the email (the core links accounts to the directory by it) and the
locale, but a users.info round trip per turn would cost more than the turn itself. The
cache lives on the adapter object, bounded in size and age, so a changed profile is seen
within the TTL and nothing is shared between processes but the database. Concurrent turns
of one user share one lookup.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from cachetools import TLRUCache

from adapters.slack.client import error_code
from bot.events import Actor, Event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Profile:
    email: str | None = None
    name: str | None = None
    locale: str | None = None
    timezone: str | None = None


UNKNOWN = Profile()
Lookup = Callable[[str], Awaitable[dict[str, Any]]]


def to_profile(user: dict[str, Any]) -> Profile:
    """users.info's ``user`` object as what the core wants to know."""
    profile = user.get("profile") or {}
    return Profile(
        email=profile.get("email") or None,
        name=user.get("real_name") or profile.get("real_name") or user.get("name") or None,
        locale=user.get("locale") or None,
        timezone=user.get("tz") or None,
    )


class People:
    """``lookup`` calls users.info (include_locale=true) and returns its ``user``."""

    def __init__(
        self,
        lookup: Lookup,
        ttl: float = 600.0,
        failure_ttl: float = 30.0,
        max_size: int = 10_000,
    ) -> None:
        self.lookup = lookup
        self.cache: TLRUCache[tuple[str, str], Profile] = TLRUCache(
            max_size,
            ttu=lambda _key, found, now: now + (failure_ttl if found is UNKNOWN else ttl),
            timer=time.monotonic,
        )
        self._pending: dict[tuple[str, str], asyncio.Future[Profile]] = {}

    async def profile(self, actor: Actor) -> Profile:
        key = (actor.tenant, actor.user_id)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Profile] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            found = await self._fetch(actor.user_id)
            self.cache[key] = found
            future.set_result(found)
            return found
        finally:
            del self._pending[key]
            if not future.done():
                future.set_result(UNKNOWN)

    async def _fetch(self, user_id: str) -> Profile:
        try:
            return to_profile(await self.lookup(user_id))
        except Exception as exc:  # any API or network failure: the user is just unknown
            log.warning(
                "users.info failed; treating the user as unknown",
                extra={"user": user_id, "error": error_code(exc)},
            )
            return UNKNOWN

    async def enrich(self, event: Event) -> Event:
        """The event with email, name, locale and time zone on its actor."""
        found = await self.profile(event.actor)
        actor = replace(
            event.actor,
            email=found.email,
            name=found.name,
            locale=found.locale,
            timezone=found.timezone,
        )
        return replace(event, actor=actor)
