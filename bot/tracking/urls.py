"""The addresses a share passes through: ours (``/s``, ``/r``), the network's share
intent, and the item's own URL with UTM parameters.

Nothing in a request chooses a destination: every address is built from stored rows, so
there is no open redirect to abuse.
"""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

CODE_BYTES = 16  # 128 random bits
CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")
MEDIUM = "employee_advocacy"


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def is_code(text: str) -> bool:
    return CODE_PATTERN.fullmatch(text) is not None


def share_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/s/{code}"


def tracked_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/r/{code}"


def share_intent_url(network: str, link: str, caption: str) -> str:
    """The network's own "share this" page, with our tracked link (and the caption on X)."""
    if network == "linkedin":
        return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": link})
    if network == "x":
        return "https://x.com/intent/tweet?" + urlencode({"text": caption, "url": link})
    if network == "facebook":
        return "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": link})
    raise ValueError(f"unknown network {network!r}")


@lru_cache(maxsize=4096)
def destination_url(item_url: str, network: str, campaign: str, advocate: str) -> str:
    """The item's URL with our UTM parameters replacing any it had."""
    parts = urlsplit(item_url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.startswith("utm_")
    ]
    query += [
        ("utm_source", network),
        ("utm_medium", MEDIUM),
        ("utm_campaign", campaign),
        ("utm_content", advocate),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))
