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
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from adapters.slack.client import error_code
from bot.events import Actor, Event

log = logging.getLogger(__name__)
K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """A small LRU with expiry; not thread-safe, which one event loop does not need."""

    def __init__(
        self, ttl: float, max_size: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self.clock = clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        expires, value = item
        if expires <= self.clock():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V, ttl: float | None = None) -> None:
        self._items[key] = (self.clock() + (self.ttl if ttl is None else ttl), value)
        self._items.move_to_end(key)
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


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
        self.failure_ttl = failure_ttl
        self.cache: TtlCache[tuple[str, str], Profile] = TtlCache(ttl, max_size)
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
            self.cache.put(key, found, None if found is not UNKNOWN else self.failure_ttl)
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
