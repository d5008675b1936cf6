"""A stand-in of the Bot Framework Connector API v3 that checks what it is sent.

Every request and response is validated against ``botframework-connector-api.json``, every
Adaptive Card against the 1.5 schema, every body against Teams' 28 KB; violations are kept
for the ``connector`` fixture to fail the test with.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.support.teams_wire import (
    ACTIVITY_LIMIT,
    TENANT,
    TeamsUser,
    activity_cards,
    card_violations,
    connector_spec,
    schema_violations,
)

# --- the connector stand-in ------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    body: Any
    headers: dict[str, str]
    status: int = 0
    answer: Any = None
    at: float = field(default_factory=time.monotonic)  # arrival, for rate assertions

    @property
    def cards(self) -> list[dict[str, Any]]:
        return activity_cards(self.body) if isinstance(self.body, dict) else []


@dataclass
class Fault:
    status: int
    code: str = "ServiceError"
    headers: dict[str, str] = field(default_factory=dict)


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
            channel = ((body.get("channelData") or {}).get("channel") or {}).get("id")
            answer = {  # a post in a team channel starts a thread: channel;messageid=…
                "id": f"{channel};messageid={answer['id']}"
                if channel
                else f"a:created-{next(self._ids)}",
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
