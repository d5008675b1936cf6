"""The Slack Web API client as Elçi uses it: configured base URL, retries, one HTTP session.

slack-sdk retries nothing but connection errors by default; a broadcast that meets a 429
must wait for Retry-After and go on, so the rate-limit handler is added here, for every
call the adapter and the sender make. Slack's 5xx are retried once too.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.config import Settings

TIMEOUT_S = 10
RATE_LIMIT_RETRIES = 3


def retry_handlers() -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        AsyncServerErrorRetryHandler(max_retry_count=1),
    ]


def api_base(settings: Settings) -> str:
    """slack-sdk appends the method name to the base as it is, so it must end with '/'."""
    return settings.slack_api_url.rstrip("/") + "/"


def make_client(settings: Settings, session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=api_base(settings),
        timeout=TIMEOUT_S,
        session=session,
        retry_handlers=retry_handlers(),
    )


def error_code(exc: BaseException) -> str:
    """Slack's own error code (``user_not_found``), else the kind of failure; never a token."""
    if isinstance(exc, SlackApiError):
        response: Any = exc.response
        return str(response.get("error") or f"http_{response.status_code}")
    return type(exc).__name__


async def in_history(client: AsyncWebClient, channel: str, metadata: dict[str, Any]) -> bool:
    """Whether the channel's last 50 messages hold one carrying ``metadata``: how a process
    finds what another sent before it died (a DM needs ``im:history``)."""
    history = await client.conversations_history(
        channel=channel, limit=50, include_all_metadata=True
    )
    return any(message.get("metadata") == metadata for message in history.get("messages") or [])


async def respond(session: aiohttp.ClientSession | None, url: str, message: dict[str, Any]) -> int:
    """POST to a response_url (valid 30 minutes, five times); returns the HTTP status."""
    webhook = AsyncWebhookClient(
        url, timeout=TIMEOUT_S, session=session, retry_handlers=retry_handlers()
    )
    response = await webhook.send_dict(message)
    return response.status_code
