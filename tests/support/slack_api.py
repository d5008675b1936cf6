"""A local Slack Web API that answers like Slack and judges every call like a strict one.

Each call is checked against ``shared/specs/slack-web-api-openapi-v2.json`` (the method
exists, its required arguments are there, none it does not know), every block and view
with slack-sdk's validators (at every level, and with no field slack-sdk does not know),
and every method against the scopes the manifest asks for. Violations are collected in
``violations``; the ``slack_api`` fixture fails the test on any.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.test_utils import TestServer
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.support.slack_wire import APP_TOKEN, BOT_TOKEN, BOT_USER, TEAM

SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs"

METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "users.info": ("users:read", "users:read.email"),
    "conversations.open": ("im:write",),
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "conversations.history": ("im:history",),  # a DM's history (campaign reconciliation)
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
    "conversations.history": {"include_all_metadata"},
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


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # arrival, for rate assertions


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
        # Messages Slack accepted, by channel (what a DM's history holds).
        self.posted: dict[str, list[dict[str, Any]]] = {}
        # Seconds a method takes to answer (a slow Slack), by method name.
        self.slow: dict[str, float] = {}
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
        if method in self.slow:
            await asyncio.sleep(self.slow[method])
        faults = self.faults.get(method)
        if faults:
            fault = faults.pop(0)
            return web.json_response(
                {"ok": False, "error": fault.error}, status=fault.status, headers=fault.headers
            )
        if method == "chat.postMessage":
            self.posted.setdefault(str(args.get("channel")), []).append(args)
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
        if method == "conversations.history":
            posted = [
                {"type": "message", "ts": str(index), "text": sent.get("text", ""),
                 **({"metadata": _json(sent["metadata"])} if "metadata" in sent else {})}
                for index, sent in enumerate(self.posted.get(args.get("channel", ""), []))
            ]  # fmt: skip
            return {"messages": posted[::-1][: int(args.get("limit") or 100)], "has_more": False}
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
