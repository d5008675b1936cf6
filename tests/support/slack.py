"""Drive Elçi as Slack does, with no internet: signed requests in, a Web API stand-in out.

Fixtures (registered for the whole suite by ``pytest_plugins`` in ``tests/conftest.py``):

- ``slack_api``: a running stand-in of the Slack Web API (and of response_urls). It checks
  every call against Slack's OpenAPI spec (the method exists, required arguments are there,
  no argument it does not know), every block with slack-sdk's validators, and every method
  against the scopes the manifest asks for. Any violation fails the test at teardown.
- ``slack``: Elçi's aiohttp app with Slack mounted, on the test's database, and a driver
  that sends signed slash commands, Events API envelopes and interactivity payloads.
  ``slack_for(router)`` builds one with a router of your own (test-only features).

The stand-in lives in ``slack_api``, the wire (signatures, payload builders) in
``slack_wire``; both are re-exported here, so tests import from this module.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine

from tests.support.slack_api import (
    METHOD_SCOPES,
    SPECS,
    Fault,
    SlackApiStandIn,
    ack_violations,
    block_violations,
    message_violations,
    view_violations,
)
from tests.support.slack_wire import (
    APP_TOKEN,
    BOT_TOKEN,
    BOT_USER,
    SIGNING_SECRET,
    TEAM,
    block_actions,
    direct_message,
    event_callback,
    home_opened,
    mention,
    sign,
    slash_command,
    view_submission,
)

__all__ = [
    "APP_TOKEN",
    "BOT_TOKEN",
    "BOT_USER",
    "METHOD_SCOPES",
    "SIGNING_SECRET",
    "SPECS",
    "TEAM",
    "Fault",
    "SlackApiStandIn",
    "SlackDriver",
    "block_actions",
    "block_violations",
    "direct_message",
    "event_callback",
    "home_opened",
    "mention",
    "message_violations",
    "sign",
    "slack",
    "slack_api",
    "slack_for",
    "slack_settings",
    "slash_command",
    "view_submission",
    "view_violations",
]


class SlackDriver:
    """Sends what Slack would send to Elçi's ``POST /slack/events``, signed."""

    def __init__(self, client: TestClient, api: SlackApiStandIn, engine: Engine) -> None:
        self.client = client
        self.api = api
        self.engine = engine

    @property
    def adapter(self) -> Any:
        from adapters.slack.app import SLACK_ADAPTER

        return self.client.app[SLACK_ADAPTER]

    async def settle(self) -> None:
        """Wait for the turns that go on after their ack."""
        await self.adapter.drain()

    async def post(
        self,
        body: str,
        content_type: str,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
        secret: str = SIGNING_SECRET,
    ) -> Any:
        signed = {**sign(body, timestamp, secret), "Content-Type": content_type, **(headers or {})}
        response = await self.client.post("/slack/events", data=body.encode(), headers=signed)
        self.api.violations += ack_violations(await response.read())
        return response

    async def command(
        self, text: str, user: str = "U0AYSE", channel: str = "C0GENERAL", **kw: Any
    ) -> Any:
        """``/elci TEXT``, form-encoded as Slack sends slash commands; returns the response."""
        body = slash_command(text, user, channel, self.api.response_url(kw.pop("key", "")))
        return await self.post(urlencode(body), "application/x-www-form-urlencoded", **kw)

    async def event(self, event: dict[str, Any], event_id: str = "", **kw: Any) -> Any:
        envelope = event_callback(event, event_id or f"Ev{uuid.uuid4().hex[:10].upper()}")
        return await self.post(json.dumps(envelope), "application/json", **kw)

    async def interact(self, payload: dict[str, Any], **kw: Any) -> Any:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **kw)


@pytest_asyncio.fixture
async def slack_api() -> AsyncIterator[SlackApiStandIn]:
    api = SlackApiStandIn()
    await api.start()
    yield api
    await api.close()
    assert not api.violations, "Slack would refuse:\n" + "\n".join(api.violations)


def slack_settings(engine: Engine, api: SlackApiStandIn, app_token: str | None = None) -> Any:
    from bot.config import Settings

    return Settings(
        ELCI_DATABASE_URL=engine.url.render_as_string(hide_password=False),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=api.url,
        SLACK_APP_TOKEN=app_token,
    )


@pytest_asyncio.fixture
async def slack_for(
    engine: Engine, slack_api: SlackApiStandIn
) -> AsyncIterator[Callable[..., Awaitable[SlackDriver]]]:
    """``await slack_for(router)``: a driver on Elçi with that router (default: the real one)."""
    from bot.compose import build_services, build_web_app

    drivers: list[SlackDriver] = []

    async def open_driver(router: Any = None) -> SlackDriver:
        services = build_services(slack_settings(engine, slack_api), engine)
        if router is not None:
            services.router = router
        client = TestClient(TestServer(build_web_app(services), host="127.0.0.1"))
        await client.start_server()
        drivers.append(SlackDriver(client, slack_api, engine))
        return drivers[-1]

    yield open_driver
    for driver in drivers:
        await driver.settle()
        await driver.client.close()


@pytest_asyncio.fixture
async def slack(slack_for: Callable[..., Awaitable[SlackDriver]]) -> SlackDriver:
    """A driver on Elçi with its real features."""
    return await slack_for()
