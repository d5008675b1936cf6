"""Which connector failures are worth another try, and when.

Teams throttles (429) and has transient failures (412, 502, 504): those are retried here
with exponential backoff and jitter, honouring ``Retry-After``. A wait longer than
``max_wait`` is not slept in-process; it becomes ``DeliveryError(retry_after=...)`` so the
durable delivery queue can try later. A user who blocked or removed the bot (403 with one
of ``BLOCKED_CODES``) or a conversation that is gone (404) is a permanent failure: retrying
cannot help. Anything else is a plain, retryable ``DeliveryError``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.transport import DeliveryError

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_STATUSES = frozenset({412, 429, 502, 504})
BLOCKED_CODES = frozenset(
    {
        "MessageWritesBlocked",
        "ConversationBlockedByUser",
        "BotNotInConversationRoster",
        "BotDisabledByAdmin",
    }
)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_wait: float = 10.0


DEFAULT_POLICY = RetryPolicy()


def status_of(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return int(status) if isinstance(status, int) else None


def error_code_of(exc: BaseException) -> str:
    error = getattr(getattr(exc, "error", None), "error", None)
    code = getattr(error, "code", None)
    if code:
        return str(code)
    try:  # the body, when msrest could not read it into its model
        body = exc.response.json()  # type: ignore[attr-defined]
        return str(body.get("error", {}).get("code") or "")
    except Exception:
        return ""


def retry_after_of(exc: BaseException, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    headers: Any = getattr(getattr(exc, "response", None), "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def to_delivery_error(exc: BaseException) -> DeliveryError:
    status = status_of(exc)
    if status == 404:
        return DeliveryError("teams: conversation not found (404)", permanent=True)
    if status == 403:
        code = error_code_of(exc)
        if code in BLOCKED_CODES:
            return DeliveryError(
                f"teams: the user blocked or removed the bot ({code})", permanent=True
            )
        return DeliveryError(f"teams: forbidden (403 {code})".strip(), permanent=False)
    if status is not None:
        return DeliveryError(
            f"teams: connector answered {status}", permanent=False, retry_after=retry_after_of(exc)
        )
    return DeliveryError(f"teams: {type(exc).__name__}", permanent=False)


def is_connector_error(exc: BaseException) -> bool:
    return isinstance(exc, HttpOperationError | ClientRequestError)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> T:
    """Run ``call``; on a connector failure retry or raise ``DeliveryError``."""
    for attempt in range(1, policy.attempts + 1):
        try:
            return await call()
        except Exception as exc:
            if not is_connector_error(exc):
                raise
            error = to_delivery_error(exc)
            if status_of(exc) not in RETRY_STATUSES or attempt == policy.attempts:
                raise error from exc
            delay = retry_after_of(exc)
            if delay is None:
                backoff = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
                delay = backoff * random.uniform(0.5, 1.0)
            if delay > policy.max_wait:
                raise DeliveryError(error.reason, permanent=False, retry_after=delay) from exc
            log.info("teams send retried", extra={"status": status_of(exc), "delay": delay})
            await sleep(delay)
    raise AssertionError("unreachable")
