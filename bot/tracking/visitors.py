"""What a click tells us about its visitor, and no more than we need.

Bots are recognized with crawlerdetect's maintained patterns (link previewers such as
LinkedInBot, Slackbot and facebookexternalhit included). The address is cut to its network
(/24, /48) and hashed with a deployment key, so the raw IP is never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import socket
from functools import lru_cache
from urllib.parse import urlsplit

from crawlerdetect import CrawlerDetect

_MOBILE = re.compile(r"Mobi|Android|iPhone|iPad|iPod", re.IGNORECASE)
_BROWSER = re.compile(r"Mozilla/|Opera/", re.IGNORECASE)


class Visitors:
    def __init__(self, ip_key: str, advocate_key: str) -> None:
        self._ip_key = ip_key.encode()
        self._advocate_key = advocate_key.encode()
        self._crawlers = CrawlerDetect()

    @lru_cache(maxsize=4096)  # noqa: B019 - one Visitors per process; agents repeat a lot
    def agent_class(self, user_agent: str) -> str:
        if not user_agent or self._crawlers.isCrawler(user_agent):
            return "bot"
        if _MOBILE.search(user_agent):
            return "mobile"
        return "desktop" if _BROWSER.search(user_agent) else "other"

    def ip_hash(self, address: str | None) -> str | None:
        """Not cached, so that no raw address is held even in memory: an IPv4 address is
        read by ``inet_pton`` (strict dotted quads, as ``ipaddress``) in about 3 µs."""
        try:
            first, second, third, _ = socket.inet_pton(socket.AF_INET, address or "")
            network = f"{first}.{second}.{third}.0/24"
        except OSError:
            try:
                network = str(ipaddress.ip_network(f"{address}/48", strict=False))
            except ValueError:
                return None
        return hmac.digest(self._ip_key, network.encode(), "sha256").hex()[:32]

    @lru_cache(maxsize=4096)  # noqa: B019
    def advocate(self, person_id: int) -> str:
        """A stable pseudonym for UTM reports: never the email, not reversible outside."""
        return hmac.new(self._advocate_key, str(person_id).encode(), hashlib.sha256).hexdigest()[
            :12
        ]


def referrer_host(referrer: str | None) -> str | None:
    if not referrer:
        return None
    try:
        host = urlsplit(referrer).hostname
    except ValueError:
        return None
    return host[:255] if host else None
