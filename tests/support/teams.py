"""Drive Elçi as Microsoft Teams does, with no internet: signed activities in, a connector out.

Fixtures (registered for the whole suite by ``pytest_plugins`` in ``tests/conftest.py``):

- ``bot_framework_keys``: an RSA key made for the session, published as a JWK set by a
  local OpenID server (``openid``), so the SDK validates real tokens from ``keys.token()``.
- ``connector``: a running stand-in of the Bot Framework Connector API v3 (an aiohttp
  server at the activities' ``serviceUrl``). It records every call, checks each request and
  response against ``shared/specs/botframework-connector-api.json`` and every Adaptive Card
  against ``shared/specs/adaptive-card-1.5.json``, and can be told to fail (``fail``).
  Violations fail the test at teardown.
- ``teams``: Elçi's aiohttp app with Teams mounted (authenticated: app id, tokens from the
  local key; proactive sender in ``services.outbound``) and a driver that posts activities
  to ``/api/messages``. ``teams_for(router=..., allowed_tenants=..., app_id=...)`` builds
  one with a router of your own (test-only features) or other settings.

Activities are built by ``Activities`` in Teams' own wire format (personal chat, a team
channel, card submits, ``adaptiveCard/action`` invokes, installation and conversation
updates), for a ``TeamsUser`` whose email the connector reports.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine

from adapters.teams.app import mount_teams
from adapters.teams.config import to_teams_config
from adapters.teams.connection import TeamsConnection
from adapters.teams.outbound import TeamsSender
from bot.compose import build_router
from bot.config import Settings
from bot.i18n import Catalogs
from bot.outbound import Outbound
from bot.router import Router
from bot.services import Services
from bot.turn import Bot
from bot.web import make_app
from tests.support.teams_auth import Keys, OpenIdServer, StaticCredentials
from tests.support.teams_connector import Call, ConnectorStandIn, Fault
from tests.support.teams_wire import (
    ACTIVITY_LIMIT,
    APP_ID,
    BOT_TOKEN,
    SPECS,
    TENANT,
    Activities,
    TeamsUser,
    card_violations,
    personal,
    schema_violations,
)

__all__ = [
    "ACTIVITY_LIMIT",
    "APP_ID",
    "BOT_TOKEN",
    "SPECS",
    "TENANT",
    "Activities",
    "Call",
    "ConnectorStandIn",
    "Fault",
    "Keys",
    "OpenIdServer",
    "StaticCredentials",
    "TeamsDriver",
    "TeamsUser",
    "card_violations",
    "personal",
    "schema_violations",
]

# --- Elçi with Teams mounted -----------------------------------------------------------


class TeamsDriver:
    def __init__(
        self,
        client: TestClient,
        services: Services,
        connector: ConnectorStandIn,
        keys: Keys,
        sender: TeamsSender,
        sleeps: list[float],
        app_id: str,
    ) -> None:
        self.client = client
        self.services = services
        self.connector = connector
        self.keys = keys
        self.sender = sender
        self.sleeps = sleeps
        self.app_id = app_id
        self.activities = Activities(connector.url, f"28:{app_id}")

    @property
    def engine(self) -> Engine:
        return self.services.engine

    def user(self, email: str, name: str = "Ayşe Yılmaz") -> TeamsUser:
        user = TeamsUser(f"29:1{uuid.uuid4().hex}", name, email)
        self.connector.add_member(user)
        return user

    async def post(
        self,
        activity: dict[str, Any],
        token: str | None = "valid",
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Post to /api/messages; ``token="valid"`` signs one for the activity's serviceUrl."""
        all_headers = dict(headers or {})
        if token == "valid":
            token = self.keys.token(activity["serviceUrl"], audience=self.app_id)
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        return await self.client.post("/api/messages", json=activity, headers=all_headers)

    async def say(self, user: TeamsUser, text: str, locale: str | None = "en-US") -> Any:
        response = await self.post(self.activities.message(user, text, locale))
        assert response.status == 200, await response.text()
        return response


@pytest.fixture(scope="session")
def bot_framework_keys() -> Keys:
    return Keys()


@pytest.fixture(scope="session")
def openid(bot_framework_keys: Keys) -> Any:
    server = OpenIdServer(bot_framework_keys)
    yield server
    server.close()


@pytest_asyncio.fixture
async def connector() -> AsyncIterator[ConnectorStandIn]:
    stand_in = ConnectorStandIn()
    await stand_in.start()
    yield stand_in
    await stand_in.close()
    assert not stand_in.violations, "\n".join(stand_in.violations)


@pytest_asyncio.fixture
async def teams_for(
    engine: Engine, connector: ConnectorStandIn, openid: OpenIdServer, bot_framework_keys: Keys
) -> AsyncIterator[Callable[..., Awaitable[TeamsDriver]]]:
    clients: list[TestClient] = []

    async def make(
        router: Router | None = None, app_id: str = APP_ID, allowed_tenants: str = "", **env: Any
    ) -> TeamsDriver:
        settings = Settings(
            ELCI_DATABASE_URL=str(engine.url),
            MICROSOFT_APP_ID=app_id,
            MICROSOFT_APP_PASSWORD="not-used" if app_id else None,
            MICROSOFT_ALLOWED_TENANTS=allowed_tenants,
            **env,
        )
        services = Services(
            settings, engine, router or build_router(), Catalogs(), Outbound(engine)
        )
        cloud = openid.cloud(oauth_url=connector.url)
        credentials = StaticCredentials(app_id)
        sleeps: list[float] = []

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)

        connection = TeamsConnection(to_teams_config(settings, cloud), credentials)
        sender = TeamsSender(connection, sleep=sleep, engine=engine)
        services.outbound.add(sender)
        app = make_app(services)
        mount_teams(app, services, Bot(services).handle, cloud=cloud, credentials=credentials)
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return TeamsDriver(client, services, connector, bot_framework_keys, sender, sleeps, app_id)

    yield make
    for client in clients:
        await client.close()


@pytest_asyncio.fixture
async def teams(teams_for: Callable[..., Awaitable[TeamsDriver]]) -> TeamsDriver:
    return await teams_for()
