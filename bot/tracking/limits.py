"""Abuse protection for ``/s/`` and ``/r/``: a generous leaky bucket per client address.

The limit is there to stop one host hammering the links (a script inflating clicks, a
broken crawler), never a person: by default a client may burst 200 requests and then 20
per second, so a whole office behind one NAT address clicking a viral post, or a thousand
colleagues pressing Share within a minute after a campaign, stay well under it. Over the
limit the answer is 429 with ``Retry-After`` and nothing is recorded.

The buckets live in this process (aiolimiter's leaky bucket, in a bounded ``LRUCache``),
which is enough for abuse protection: with N replicas behind a load balancer a flood gets
at most N times the limit. Keys are a keyed hash (a random per-process key) of the
address, IPv6 cut to its /64, so no raw address is kept in the buckets. When the cache is
full the least recently seen clients are forgotten first (their buckets had long drained
unless 20,000 others came since), which can only ever let a request through, never refuse
one.

Behind a reverse proxy every request comes from the proxy's address, so
``X-Forwarded-For`` is believed only when the direct peer is one of the configured
``trusted_proxies``; the client is then the right-most address not a trusted proxy (the
left-most entries are whatever the client chose to send).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from aiohttp import hdrs, web
from aiolimiter import AsyncLimiter
from cachetools import LRUCache

from bot.config import ConfigError

MAX_CLIENTS = 20_000  # buckets kept at once (a few hundred bytes each)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class LimitRules:
    per_second: float = 20.0
    burst: int = 200
    trusted_proxies: tuple[Network, ...] = ()

    @property
    def enabled(self) -> bool:
        return self.per_second > 0

    @property
    def retry_after(self) -> int:
        """Seconds until the bucket has room for one more request."""
        return max(1, math.ceil(1 / self.per_second))


class VisitorLimits:
    def __init__(self, rules: LimitRules) -> None:
        self.rules = rules
        self._buckets: LRUCache[bytes, AsyncLimiter] = LRUCache(MAX_CLIENTS)
        self._key = secrets.token_bytes(16)
        self._trusted = lru_cache(maxsize=1024)(self._is_trusted)

    async def admit(self, address: str | None) -> bool:
        """Take one request from this client's bucket; False when it is empty."""
        if not self.rules.enabled:
            return True
        key = self._client_key(address)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = AsyncLimiter(self.rules.burst, self._period)
        if not bucket.has_capacity():
            return False
        await bucket.acquire()  # has capacity: returns at once
        return True

    def client_address(self, request: web.Request) -> str | None:
        """The visitor's address: the peer, or behind a trusted proxy, who it says sent it."""
        peer = request.remote
        if not self.rules.trusted_proxies or not self._trusted(peer):
            return peer
        hops = [
            hop.strip()
            for hop in ",".join(request.headers.getall(hdrs.X_FORWARDED_FOR, ())).split(",")
        ]
        hops = [hop for hop in hops if hop]
        for hop in reversed(hops):
            if not self._trusted(hop):
                return hop
        return hops[0] if hops else peer

    @property
    def _period(self) -> float:
        return self.rules.burst / self.rules.per_second

    def _is_trusted(self, address: str | None) -> bool:
        ip = _ip(address)
        return ip is not None and any(ip in network for network in self.rules.trusted_proxies)

    def _client_key(self, address: str | None) -> bytes:
        text = address or ""
        if ":" in text:  # IPv6: one subscriber usually holds a whole /64
            ip = _ip(text)
            text = str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip else text
        return hashlib.blake2b(text.encode(), key=self._key, digest_size=16).digest()


def _ip(address: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address or "")
    except ValueError:
        return None


def limit_rules(tracking: Mapping[str, Any]) -> LimitRules:
    """``tracking.rate_limit`` ({per_second, burst}, or ``false`` to switch it off) and
    ``tracking.trusted_proxies`` from the YAML; a mistake names its key."""
    section = tracking.get("rate_limit", {})
    if section is False:
        section = {"per_second": 0}
    if not isinstance(section, Mapping):
        raise ConfigError("tracking.rate_limit: expected per_second and burst, or false")
    defaults = LimitRules()
    per_second = section.get("per_second", defaults.per_second)
    burst = section.get("burst", defaults.burst)
    if isinstance(per_second, bool) or not isinstance(per_second, int | float) or per_second < 0:
        raise ConfigError("tracking.rate_limit.per_second: expected a number of requests ≥ 0")
    if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
        raise ConfigError("tracking.rate_limit.burst: expected a whole number of requests ≥ 1")
    proxies = tracking.get("trusted_proxies") or []
    if not isinstance(proxies, list):
        raise ConfigError("tracking.trusted_proxies: expected a list of addresses or networks")
    networks = []
    for proxy in proxies:
        try:
            networks.append(ipaddress.ip_network(str(proxy), strict=False))
        except ValueError as exc:
            raise ConfigError(
                f"tracking.trusted_proxies: {proxy!r} is not an address or network"
            ) from exc
    return LimitRules(float(per_second), burst, tuple(networks))
