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

import itertools
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from botframework.connector.auth import ServiceClientCredentialsFactory
from cryptography.hazmat.primitives.asymmetric import rsa
from jsonschema import Draft4Validator, validators
from msrest.authentication import Authentication
from sqlalchemy.engine import Engine

from adapters.teams.app import mount_teams
from adapters.teams.config import Cloud, to_teams_config
from adapters.teams.connection import TeamsConnection
from adapters.teams.outbound import TeamsSender
from adapters.teams.render import CARD_CONTENT_TYPE
from bot.compose import build_router
from bot.config import Settings
from bot.i18n import Catalogs
from bot.outbound import Outbound
from bot.router import Router
from bot.services import Services
from bot.turn import Bot
from bot.web import make_app

SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs"
APP_ID = "8d3b6c1e-2f4a-4b5c-9d6e-7f8a9b0c1d2e"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
ISSUER = "https://api.botframework.com"
KEY_ID = "elci-test-key"
BOT_TOKEN = "outbound-token-for-the-connector"
ACTIVITY_LIMIT = 28 * 1024


# --- specs -----------------------------------------------------------------------------


@cache
def connector_spec() -> dict[str, Any]:
    return json.loads((SPECS / "botframework-connector-api.json").read_text("utf-8"))


@cache
def card_validator() -> Any:
    schema = json.loads((SPECS / "adaptive-card-1.5.json").read_text("utf-8"))
    return validators.validator_for(schema)(schema)


@cache
def definition_validator(name: str) -> Draft4Validator:
    """A validator for one Swagger definition (Swagger 2.0 schemas are JSON Schema draft 4)."""
    spec = connector_spec()
    return Draft4Validator({"$ref": f"#/definitions/{name}", "definitions": spec["definitions"]})


def card_violations(card: Any, where: str) -> list[str]:
    return [f"{where}: {e.message} at {list(e.path)}" for e in card_validator().iter_errors(card)]


def schema_violations(name: str, value: Any, where: str) -> list[str]:
    errors = definition_validator(name).iter_errors(value)
    return [f"{where}: {name}: {e.message} at {list(e.path)}" for e in errors]


def activity_cards(activity: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        a["content"]
        for a in activity.get("attachments") or ()
        if a.get("contentType") == CARD_CONTENT_TYPE
    ]


# --- tokens ----------------------------------------------------------------------------


class Keys:
    """The channel's signing key, and tokens as the Bot Framework channel issues them."""

    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        self.jwks = {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "endorsements": ["msteams"]}]}

    def token(
        self,
        service_url: str,
        *,
        audience: str = APP_ID,
        issuer: str = ISSUER,
        expires_in: int = 3600,
        kid: str = KEY_ID,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload = {
            "iss": issuer,
            "aud": audience,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + expires_in,
            **claims,
        }
        return jwt.encode(payload, self.private, algorithm="RS256", headers={"kid": kid})


class OpenIdServer:
    """OpenID metadata and keys on a thread of its own: the SDK fetches them with blocking
    ``requests``, which would deadlock a server on the test's own event loop."""

    def __init__(self, keys: Keys) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                documents = {
                    "/v1/.well-known/openidconfiguration": {
                        "issuer": ISSUER,
                        "jwks_uri": f"{outer.url}/v1/.well-known/keys",
                        "id_token_signing_alg_values_supported": ["RS256"],
                    },
                    "/v1/.well-known/keys": keys.jwks,
                }
                body = json.dumps(documents.get(self.path, {})).encode()
                self.send_response(200 if self.path in documents else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def cloud(self, oauth_url: str = "http://127.0.0.1:9") -> Cloud:
        metadata = f"{self.url}/v1/.well-known/openidconfiguration"
        return Cloud(
            channel_openid_metadata_url=metadata,
            channel_token_issuer=ISSUER,
            emulator_openid_metadata_url=metadata,
            login_url="https://login.microsoftonline.com/",
            oauth_scope="https://api.botframework.com",
            oauth_url=oauth_url,
            caller_id="urn:botframework:azure",
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _BotToken(Authentication):
    def signed_session(self, session: Any = None) -> Any:
        session = super().signed_session(session)
        session.headers["Authorization"] = f"Bearer {BOT_TOKEN}"
        return session


class StaticCredentials(ServiceClientCredentialsFactory):
    """The bot's own token for the connector, without asking Azure AD for one."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return not self.app_id

    async def create_credentials(self, *_args: Any, **_kwargs: Any) -> Authentication:
        return _BotToken()


# --- the connector stand-in ------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    body: Any
    headers: dict[str, str]
    status: int = 0
    answer: Any = None

    @property
    def cards(self) -> list[dict[str, Any]]:
        return activity_cards(self.body) if isinstance(self.body, dict) else []


@dataclass
class Fault:
    status: int
    code: str = "ServiceError"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class TeamsUser:
    id: str
    name: str
    email: str
    aad_object_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def account(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id}


class ConnectorStandIn:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.members: dict[str, TeamsUser] = {}
        self.faults: list[tuple[str, Fault]] = []
        self._ids = itertools.count(1)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def url(self) -> str:
        return str(self.server.make_url("/"))

    async def start(self) -> None:
        await self.server.start_server()

    async def close(self) -> None:
        await self.server.close()

    def add_member(self, user: TeamsUser) -> None:
        self.members[user.id] = user

    def fail(self, path_part: str, fault: Fault, times: int = 1) -> None:
        """The next ``times`` calls whose path contains ``path_part`` answer with ``fault``."""
        self.faults += [(path_part, fault)] * times

    def sent(self, method: str | None = None) -> list[Call]:
        """Calls that carried an activity (sends, replies, updates), oldest first."""
        wanted = {"POST", "PUT"} if method is None else {method}
        return [c for c in self.calls if c.method in wanted and "/activities" in c.path]

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [card for call in self.sent() for card in call.cards]

    def _fault_for(self, path: str) -> Fault | None:
        for n, (part, fault) in enumerate(self.faults):
            if part in path:
                del self.faults[n]
                return fault
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw) if raw else None
        call = Call(request.method, request.path, body, dict(request.headers))
        self.calls.append(call)
        where = f"{request.method} {request.path}"
        if len(raw) > ACTIVITY_LIMIT:
            self.violations.append(f"{where}: {len(raw)} bytes, over Teams' 28 KB")
        fault = self._fault_for(request.path)
        if fault is not None:
            error = {"error": {"code": fault.code, "message": f"stand-in {fault.status}"}}
            self.violations += schema_violations("ErrorResponse", error, where)
            call.status, call.answer = fault.status, error
            return web.json_response(error, status=fault.status, headers=fault.headers)
        call.status, call.answer = self._answer(request, body, where)
        return web.json_response(call.answer, status=call.status)

    def _answer(self, request: web.Request, body: Any, where: str) -> tuple[int, Any]:
        parts = request.path.strip("/").split("/")
        if parts[:2] != ["v3", "conversations"]:
            self.violations.append(f"{where}: not a Connector API path")
            return 404, {"error": {"code": "NotFound", "message": where}}
        if len(parts) == 5 and parts[3] == "members" and request.method == "GET":
            return self._member(parts[4])
        template, definition, response = _route(request.method, parts)
        if template is None:
            self.violations.append(f"{where}: not in the Connector API spec")
            return 404, {"error": {"code": "NotFound", "message": where}}
        self.violations += schema_violations(definition, body, where)
        for n, card in enumerate(activity_cards(body if isinstance(body, dict) else {})):
            self.violations += card_violations(card, f"{where} card {n}")
        answer: dict[str, Any] = {"id": f"act-{next(self._ids)}"}
        if response == "ConversationResourceResponse":
            answer = {
                "id": f"a:created-{next(self._ids)}",
                "serviceUrl": self.url,
                "activityId": answer["id"],
            }
        self.violations += schema_violations(response, answer, f"{where} (response)")
        responses = connector_spec()["paths"][template][request.method.lower()]["responses"]
        if "200" not in responses:
            self.violations.append(f"{where}: 200 is not an answer the spec allows")
        return 200, answer

    def _member(self, member_id: str) -> tuple[int, Any]:
        """GET .../members/{id}: a Teams extension of the v3 API (not in the spec file);
        the answer is a ChannelAccount with Teams' extra fields."""
        user = self.members.get(member_id)
        if user is None:
            return 404, {"error": {"code": "MemberNotFoundInConversation", "message": "no"}}
        member = {
            **user.account(),
            "email": user.email,
            "userPrincipalName": user.email,
            "tenantId": TENANT,
            "userRole": "user",
        }
        self.violations += schema_violations("ChannelAccount", member, "member")
        return 200, member


def _route(method: str, parts: list[str]) -> tuple[str | None, str, str]:
    """(spec path, request body definition, response definition) of a connector call."""
    if len(parts) == 2 and method == "POST":
        return "/v3/conversations", "ConversationParameters", "ConversationResourceResponse"
    if len(parts) == 4 and parts[3] == "activities" and method == "POST":
        return "/v3/conversations/{conversationId}/activities", "Activity", "ResourceResponse"
    if len(parts) == 5 and parts[3] == "activities" and method in ("POST", "PUT"):
        path = "/v3/conversations/{conversationId}/activities/{activityId}"
        return path, "Activity", "ResourceResponse"
    return None, "", ""


# --- activities as Teams sends them ----------------------------------------------------


class Activities:
    """Bot Framework activities in Teams' wire format, addressed to ``service_url``."""

    def __init__(self, service_url: str, bot_id: str = f"28:{APP_ID}") -> None:
        self.service_url = service_url
        self.bot = {"id": bot_id, "name": "Elçi"}
        self._ids = itertools.count(1_714_557_600_000)

    def _base(self, kind: str, user: TeamsUser, locale: str | None, **extra: Any) -> dict:
        activity: dict[str, Any] = {
            "type": kind,
            "id": str(next(self._ids)),
            "timestamp": "2024-05-01T10:00:00.000Z",
            "localTimestamp": "2024-05-01T13:00:00.000+03:00",
            "localTimezone": "Europe/Istanbul",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": user.account(),
            "recipient": dict(self.bot),
            "conversation": personal(user),
            "channelData": {"tenant": {"id": TENANT}},
        }
        if locale:
            activity["locale"] = locale
            activity["entities"] = [
                {
                    "type": "clientInfo",
                    "locale": locale,
                    "country": locale[-2:],
                    "platform": "Web",
                    "timezone": "Europe/Istanbul",
                }
            ]
        activity.update(extra)
        return activity

    def message(
        self, user: TeamsUser, text: str, locale: str | None = "en-US", **extra: Any
    ) -> dict:
        return self._base("message", user, locale, text=text, textFormat="plain", **extra)

    def channel_message(
        self,
        user: TeamsUser,
        text: str,
        team: str = "19:team@thread.tacv2",
        locale: str | None = "en-US",
    ) -> dict:
        """``@Elçi text`` in a team channel: the mention arrives inline and as an entity."""
        activity = self.message(user, f"<at>Elçi</at> {text}", locale)
        activity["conversation"] = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
            "id": f"{team};messageid={activity['id']}",
        }
        activity["channelData"] = {
            "teamsChannelId": team,
            "teamsTeamId": team,
            "channel": {"id": team},
            "team": {"id": team},
            "tenant": {"id": TENANT},
        }
        activity["entities"].append(
            {"type": "mention", "text": "<at>Elçi</at>", "mentioned": dict(self.bot)}
        )
        return activity

    def submit(
        self,
        user: TeamsUser,
        card_activity_id: str,
        value: dict[str, Any],
        locale: str | None = "en-US",
    ) -> dict:
        """An ``Action.Submit`` press: the action's data merged with the card's inputs."""
        activity = self._base("message", user, locale, replyToId=card_activity_id, value=value)
        activity["channelData"] = {
            "tenant": {"id": TENANT},
            "source": {"name": "message"},
            "legacy": {"replyToId": card_activity_id},
        }
        return activity

    def execute(
        self,
        user: TeamsUser,
        card_activity_id: str,
        data: dict[str, Any],
        verb: str = "elci",
        locale: str | None = "en-US",
    ) -> dict:
        """An ``Action.Execute`` press: an ``adaptiveCard/action`` invoke."""
        value = {
            "action": {"type": "Action.Execute", "verb": verb, "data": data},
            "trigger": "manual",
        }
        return self._base(
            "invoke",
            user,
            locale,
            name="adaptiveCard/action",
            replyToId=card_activity_id,
            value=value,
        )

    def installed(self, user: TeamsUser, locale: str | None = "en-US") -> list[dict]:
        """What Teams sends when a user adds the app: installationUpdate, then the bot joins."""
        return [
            self._base("installationUpdate", user, locale, action="add"),
            self._base("conversationUpdate", user, locale, membersAdded=[dict(self.bot)]),
        ]


def personal(user: TeamsUser) -> dict[str, Any]:
    return {"conversationType": "personal", "tenantId": TENANT, "id": f"a:1{user.id[3:]}"}


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
        sender = TeamsSender(connection, sleep=sleep)
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
