"""Drive Elçi as Slack does, with no internet: signed requests in, a Web API stand-in out.

Fixtures (registered for the whole suite by ``pytest_plugins`` in ``tests/conftest.py``):

- ``slack_api``: a running stand-in of the Slack Web API (and of response_urls). It checks
  every call against Slack's OpenAPI spec (the method exists, required arguments are there,
  no argument it does not know), every block with slack-sdk's validators, and every method
  against the scopes the manifest asks for. Any violation fails the test at teardown.
- ``slack``: Elçi's aiohttp app with Slack mounted, on the test's database, and a driver
  that sends signed slash commands, Events API envelopes and interactivity payloads.
  ``slack_for(router)`` builds one with a router of your own (test-only features).

The wire shapes follow ``shared/specs/slack-samples`` (Slack's own payload samples).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy.engine import Engine

SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
TEAM = "T0ELCI001"
BOT_USER = "U0ELCIBOT"
APP_TOKEN = "xapp-1-A0ELCI-1234567890-abcdef0123456789"

METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "users.info": ("users:read", "users:read.email"),
    "conversations.open": ("im:write",),
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "views.open": (),
    "views.update": (),
    "views.publish": (),
    "apps.connections.open": (),  # Socket Mode: the app-level token's connections:write
}
"""Bot scopes each Web API method needs (today's names; the 2020 spec lists older ones).
A method missing here fails the test that calls it: add it with its scopes."""

NEWER_ARGUMENTS: dict[str, set[str]] = {
    # slack-sdk names the workspace on every call of bolt's per-request client.
    "*": {"team_id"},
    # Added after the 2020 spec.
    "chat.postMessage": {"metadata"},
    "chat.update": {"metadata"},
}
"""Arguments Slack takes today that ``slack-web-api-openapi-v2.json`` predates."""

NEWER_METHODS: dict[str, tuple[set[str], set[str]]] = {
    # Socket Mode (2020, after the spec): no arguments but the app-level token.
    "apps.connections.open": (set(), set()),
}
"""Methods the spec predates: (all, required) argument names."""


@cache
def web_api_spec() -> dict[str, Any]:
    return json.loads((SPECS / "slack-web-api-openapi-v2.json").read_text("utf-8"))


def method_parameters(method: str) -> tuple[set[str], set[str]] | None:
    """(all, required) argument names of a Web API method, or None when it does not exist."""
    path = web_api_spec()["paths"].get(f"/{method}")
    if path is None:
        return NEWER_METHODS.get(method)
    operation = next(iter(path.values()))
    params = [p for p in operation.get("parameters", []) if p["name"] != "token"]
    return {p["name"] for p in params}, {p["name"] for p in params if p.get("required")}


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """The headers Slack adds: v0 HMAC-SHA256 over ``v0:{timestamp}:{body}``."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


def object_violations(obj: Any, where: str) -> list[str]:
    """slack-sdk validates one level per call; walk the whole tree."""
    found: list[str] = []
    if isinstance(obj, JsonObject):
        try:
            obj.validate_json()
        except Exception as exc:
            found.append(f"{where}: {exc}")
        for name, value in vars(obj).items():
            found += object_violations(value, f"{where}.{name}")
    elif isinstance(obj, list | tuple):
        for index, item in enumerate(obj):
            found += object_violations(item, f"{where}[{index}]")
    return found


def block_violations(blocks: Any, where: str, limit: int) -> list[str]:
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not isinstance(blocks, list):
        return [f"{where}: blocks must be a list"]
    found = [f"{where}: {len(blocks)} blocks (max {limit})"] if len(blocks) > limit else []
    for index, raw in enumerate(blocks):
        parsed = Block.parse(raw)
        if parsed is None:
            found.append(f"{where}[{index}]: unknown block {raw!r:.200}")
            continue
        problems = object_violations(parsed, f"{where}[{index}]")
        if not problems and parsed.to_dict() != raw:
            problems.append(f"{where}[{index}]: fields slack-sdk does not know in {raw!r:.300}")
        found += problems
    return found


def view_violations(view: Any, where: str) -> list[str]:
    if isinstance(view, str):
        view = json.loads(view)
    try:
        parsed = View(**view)
    except Exception as exc:
        return [f"{where}: {exc}"]
    found = object_violations(parsed, where)
    found += block_violations(view.get("blocks", []), f"{where}.blocks", 100)
    return found


def message_violations(message: dict[str, Any], where: str) -> list[str]:
    found = []
    if not message.get("text") and not message.get("blocks"):
        found.append(f"{where}: neither text nor blocks")
    if "blocks" in message:
        found += block_violations(message["blocks"], f"{where}.blocks", 50)
    return found


def ack_violations(body: bytes) -> list[str]:
    """What Elçi answered in an ack must be valid too: a message, or a modal's next view."""
    if not body.startswith(b"{"):
        return []
    answer = json.loads(body)
    if answer.get("response_action") in ("update", "push"):
        return view_violations(answer.get("view", {}), "ack.view")
    if "text" in answer or "blocks" in answer:
        return message_violations(answer, "ack")
    return []


@dataclass
class Call:
    method: str
    args: dict[str, Any]


@dataclass
class Fault:
    status: int = 429
    error: str = "ratelimited"
    headers: dict[str, str] = field(default_factory=lambda: {"Retry-After": "1"})


class SlackApiStandIn:
    """A local Slack Web API: answers like Slack, and judges every request like a strict one."""

    def __init__(self, scopes: tuple[str, ...] | None = None) -> None:
        if scopes is None:
            from adapters.slack.manifest import BOT_SCOPES

            scopes = BOT_SCOPES
        self.scopes = set(scopes)
        self.calls: list[Call] = []
        self.responses: list[tuple[str, dict[str, Any]]] = []
        self.violations: list[str] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self._server: TestServer | None = None
        self._ts = 1_700_000_000
        self.socket: web.WebSocketResponse | None = None
        self.socket_replies: list[dict[str, Any]] = []

    @property
    def base(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def url(self) -> str:
        """The Web API base to put in SLACK_API_URL."""
        return f"{self.base}/api/"

    def response_url(self, key: str = "") -> str:
        return f"{self.base}/respond/{key or uuid.uuid4().hex[:12]}"

    def add_user(
        self,
        user_id: str,
        email: str | None,
        locale: str = "en-US",
        tz: str = "Europe/Istanbul",
        name: str = "Ayşe Yılmaz",
    ) -> None:
        profile = {"real_name": name, "display_name": name.split()[0]}
        if email:
            profile["email"] = email
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM,
            "name": name.split()[0].lower(),
            "real_name": name,
            "tz": tz,
            "locale": locale,
            "profile": profile,
        }

    def fail(self, method: str, fault: Fault | None = None, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` get ``fault`` (default: 429, Retry-After 1)."""
        self.faults.setdefault(method, []).extend([fault or Fault()] * times)

    def called(self, method: str) -> list[dict[str, Any]]:
        return [call.args for call in self.calls if call.method == method]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_get("/socket", self._socket)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    async def _arguments(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(parse_qsl(await request.text())))
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._arguments(request)
        self.calls.append(Call(method, args))
        try:
            problems = self._judge(method, args, request)
        except Exception as exc:  # a payload so wrong that judging it failed
            problems = [f"{method}: {type(exc).__name__}: {exc}"]
        if problems:
            self.violations += problems
            return web.json_response({"ok": False, "error": "invalid_arguments"})
        faults = self.faults.get(method)
        if faults:
            fault = faults.pop(0)
            return web.json_response(
                {"ok": False, "error": fault.error}, status=fault.status, headers=fault.headers
            )
        return web.json_response({"ok": True, **self._answer(method, args)})

    def _judge(self, method: str, args: dict[str, Any], request: web.Request) -> list[str]:
        known = method_parameters(method)
        if known is None:
            return [f"{method}: no such Web API method"]
        allowed, required = known
        found = []
        token = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if request.headers.get("Authorization") != f"Bearer {token}":
            found.append(f"{method}: missing or wrong bot token")
        missing = required - set(args)
        if missing:
            found.append(f"{method}: missing required {sorted(missing)}")
        unknown = set(args) - allowed - NEWER_ARGUMENTS["*"] - NEWER_ARGUMENTS.get(method, set())
        if unknown:
            found.append(f"{method}: arguments the spec does not know {sorted(unknown)}")
        if method not in METHOD_SCOPES:
            found.append(f"{method}: add it to METHOD_SCOPES with the scopes it needs")
        elif not set(METHOD_SCOPES[method]) <= self.scopes:
            found.append(f"{method}: needs {METHOD_SCOPES[method]}, manifest lacks them")
        if method.startswith("chat."):
            found += message_violations(args, method)
        if "view" in args:
            found += view_violations(args["view"], f"{method}.view")
        return found

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "apps.connections.open":
            return {"url": f"ws://127.0.0.1:{self._server.port if self._server else 0}/socket"}
        if method == "auth.test":
            return {"user_id": BOT_USER, "bot_id": "B0ELCI", "team_id": TEAM, "user": "elci"}
        if method == "users.info":
            user = self.users.get(args.get("user", ""))
            return {"user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "conversations.open":
            return {"channel": {"id": "D" + args.get("users", "X").lstrip("UW")}}
        if method in ("chat.postMessage", "chat.update"):
            self._ts += 1
            return {"channel": args.get("channel"), "ts": args.get("ts") or f"{self._ts}.000100"}
        if method.startswith("views."):
            view = args["view"] if isinstance(args["view"], dict) else json.loads(args["view"])
            view_id = args.get("view_id") or f"V{len(self.views) + 1:08d}"
            self.views[view_id] = view
            return {"view": {**view, "id": view_id}}
        return {}

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode's WebSocket: hello, then whatever ``push`` sends; keeps the acks."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"type": "hello", "num_connections": 1})
        self.socket = socket
        async for message in socket:
            if message.type == web.WSMsgType.TEXT:
                self.socket_replies.append(json.loads(message.data))
        return socket

    async def push(self, kind: str, payload: dict[str, Any], envelope_id: str) -> None:
        """Send a Socket Mode envelope (``slash_commands``, ``events_api``, ``interactive``)."""
        assert self.socket is not None, "no Socket Mode connection"
        await self.socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
            }
        )

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append((request.match_info["key"], body))
        try:
            self.violations += message_violations(body, f"response_url {request.match_info['key']}")
        except Exception as exc:
            self.violations.append(f"response_url: {type(exc).__name__}: {exc}")
        return web.Response(text="ok")


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


def slash_command(text: str, user: str, channel: str, response_url: str) -> dict[str, str]:
    return {
        "token": "verification-token-unused",
        "api_app_id": "A0ELCI",
        "team_id": TEAM,
        "team_domain": "example",
        "channel_id": channel,
        "channel_name": "general",
        "user_id": user,
        "user_name": "ayse",
        "command": "/elci",
        "text": text,
        "response_url": response_url,
        "trigger_id": f"1337.{uuid.uuid4().int % 10**10}.abc",
        "is_enterprise_install": "false",
    }


def event_callback(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {
        "token": "verification-token-unused",
        "team_id": TEAM,
        "api_app_id": "A0ELCI",
        "type": "event_callback",
        "authorizations": [
            {"team_id": TEAM, "user_id": BOT_USER, "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
        "event_id": event_id,
        "event_time": int(time.time()),
        "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ",
        "event": event,
    }


def direct_message(text: str, user: str = "U0AYSE", channel: str = "D0AYSE") -> dict[str, Any]:
    ts = f"{time.time():.6f}"
    return {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "im",
        "team": TEAM,
    }


def mention(text: str, user: str = "U0AYSE", channel: str = "C0GENERAL") -> dict[str, Any]:
    ts = f"{time.time():.6f}"
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "event_ts": ts,
        "channel": channel,
        "team": TEAM,
    }


def home_opened(user: str = "U0AYSE", tab: str = "home") -> dict[str, Any]:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0AYSE",
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }


def block_actions(
    action_id: str,
    value: str = "",
    user: str = "U0AYSE",
    channel: str = "D0AYSE",
    message_ts: str = "1700000001.000100",
    response_url: str = "",
    ephemeral: bool = False,
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "example"},
        "user": {"id": user, "username": "ayse", "name": "ayse", "team_id": TEAM},
        "api_app_id": "A0ELCI",
        "token": "verification-token-unused",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": f"1337.{uuid.uuid4().int % 10**10}.abc",
        "channel": {"id": channel, "name": "directmessage"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "button", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def view_submission(
    view: dict[str, Any], values: dict[str, Any], user: str = "U0AYSE", view_id: str = "V0FORM"
) -> dict[str, Any]:
    """A submitted modal; ``values`` maps block id → Slack's typed element state."""
    state = {block: {"value": element} for block, element in values.items()}
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "example"},
        "user": {"id": user, "username": "ayse", "name": "ayse", "team_id": TEAM},
        "api_app_id": "A0ELCI",
        "token": "verification-token-unused",
        "trigger_id": f"1337.{uuid.uuid4().int % 10**10}.abc",
        "view": {**view, "id": view_id, "team_id": TEAM, "state": {"values": state}},
    }


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
