"""Signed, expiring chart URLs for chat cards.

Slack and Teams fetch a card's image without any session, so the URL itself carries the
permission: an HMAC over what to draw, the language and the expiry, keyed with a secret
stored in the database (``storage.secrets``), which every replica shares. Changing any
part of the URL, or waiting past ``exp``, makes it worthless.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy.engine import Engine

from storage.secrets import stored_key

KEY_NAME = "chart-urls"
URL_TTL = timedelta(days=1)
PATH_PREFIX = "/charts/"
NAME = re.compile(r"^(me-\d{1,12}-\d{1,3}|campaign-\d{1,12}|departments)$")


@dataclass(frozen=True)
class ChartRequest:
    """A verified request: what to draw (``name``) and in which language."""

    name: str
    locale: str


def _signature(key: str, name: str, locale: str, expires: int) -> str:
    message = f"{name}|{locale}|{expires}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def chart_url(
    engine: Engine, public_url: str, name: str, locale: str, now: float | None = None
) -> str:
    """The URL of the PNG chart ``name`` (see ``NAME``), good for ``URL_TTL``."""
    assert NAME.match(name), name
    expires = int((now if now is not None else time.time()) + URL_TTL.total_seconds())
    signature = _signature(stored_key(engine, KEY_NAME), name, locale, expires)
    query = urlencode({"lang": locale, "exp": expires, "sig": signature})
    return f"{public_url.rstrip('/')}{PATH_PREFIX}{name}.png?{query}"


def verify(
    engine: Engine, name: str, locale: str, expires: str, signature: str, now: float | None = None
) -> ChartRequest | None:
    """The request if the signature is ours and has not expired, else None."""
    if not NAME.match(name) or not expires.isdigit() or len(expires) > 12:
        return None
    if int(expires) < (now if now is not None else time.time()):
        return None
    expected = _signature(stored_key(engine, KEY_NAME), name, locale, int(expires))
    if not hmac.compare_digest(expected, signature):
        return None
    return ChartRequest(name, locale)
