"""``POST /api/messages``: the HTTP side of Teams, apart from the turn.

In order, and nothing is processed before every check has passed: a JSON activity (400/415),
a service URL this mode may answer (403), the SDK's authentication of the JWT (401), a
served tenant (403), and a first sighting of the activity in the database (a redelivery is
acknowledged and dropped). Then the SDK's ``process_activity`` runs the turn.

With the database unreachable the answer is 503, so the Bot Framework retries: the
activity's claim is made before the turn and marked done after it, or dropped when the
turn failed for want of the database, so the retry is processed rather than skipped.
The claim is marked done as soon as the turn's first message has gone out, too: Teams
cannot show what a process sent before it died, so this is what keeps a retry that reaches
another replica from answering twice (only a death in the moment between the send and
the mark still can).

``CloudAdapter.process`` is not used: in botbuilder-integration-aiohttp 4.17.1 it serializes
an invoke response twice and answers every invoke with HTTP 500. The invoke response is
written here instead, from the body the turn left.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from sqlalchemy.engine import Engine

from adapters.teams.auth import to_auth_header
from adapters.teams.clients import ReusingAuthentication
from adapters.teams.config import TeamsConfig
from adapters.teams.inbound import to_tenant
from adapters.teams.transport import ANSWERED
from adapters.teams.turn import TeamsTurns
from storage import dedup
from storage.dedup import Sighting
from storage.engine import UNREACHABLE

log = logging.getLogger(__name__)
PATH = "/api/messages"


def delivery_key(activity: dict[str, Any]) -> str | None:
    """Teams activity ids are unique within a conversation, so the key holds both."""
    activity_id = activity.get("id")
    if not activity_id:
        return None
    conversation = activity.get("conversation") or {}
    conversation_id = conversation.get("id", "") if isinstance(conversation, dict) else ""
    return hashlib.sha256(f"{conversation_id}\n{activity_id}".encode()).hexdigest()


class TeamsEndpoint:
    def __init__(
        self,
        config: TeamsConfig,
        auth: ReusingAuthentication,
        adapter: CloudAdapter,
        turns: TeamsTurns,
        engine: Engine,
    ) -> None:
        self.config = config
        self.auth = auth
        self.adapter = adapter
        self.turns = turns
        self.engine = engine

    async def post(self, request: web.Request) -> web.StreamResponse:
        if request.content_type != "application/json":
            return web.Response(status=415)
        try:
            body = await request.json()
            activity = Activity().deserialize(body) if isinstance(body, dict) else None
        except Exception:  # not JSON, or not an activity msrest can read
            activity = None
        if activity is None or not activity.type:
            return web.Response(status=400)
        if not self.config.may_reply_to(activity.service_url):
            log.warning("teams: refused a non-loopback service URL in emulator mode")
            return web.Response(status=403)
        header = to_auth_header(self.config, request.headers.get("Authorization"))
        try:
            authenticated = await self.auth.authenticate_request(activity, header)  # type: ignore[arg-type]
        except Exception as exc:  # the SDK raises PermissionError, or worse, for bad tokens
            log.warning("teams: unauthorized", extra={"reason": str(exc)[:200]})
            return web.Response(status=401)
        if not self.config.serves_tenant(to_tenant(body)):
            log.warning("teams: tenant not served", extra={"tenant": to_tenant(body)[:64]})
            return web.Response(status=403)
        key = delivery_key(body)
        try:
            seen = await asyncio.to_thread(dedup.claim, self.engine, "teams", key) if key else None
        except UNREACHABLE as exc:
            return _unavailable(exc)
        if seen is Sighting.DONE:
            log.info("teams: redelivery ignored")
            return web.Response(status=200)
        if seen is Sighting.BUSY:  # being processed elsewhere: ask again later
            return web.Response(status=503, headers={"Retry-After": "5"})
        try:
            response = await self.adapter.process_activity(
                authenticated, activity, partial(self._turn, activity=body, key=key)
            )
        except UNREACHABLE as exc:
            if key:
                await self._mark(dedup.release, key)
            return _unavailable(exc)
        if key:
            await self._mark(dedup.finish, key)
        if response is None:
            return web.Response(status=200)
        if response.body is None:
            return web.Response(status=int(response.status))
        return web.json_response(response.body, status=int(response.status))

    async def _turn(self, context: TurnContext, activity: dict[str, Any], key: str | None) -> None:
        if key:
            context.turn_state[ANSWERED] = partial(self._mark, dedup.finish, key)
        await self.turns.run(context, activity=activity)

    async def _mark(self, mark: Callable[[Engine, str, str], None], key: str) -> None:
        """Mark the claim done or dropped; if the database went away meanwhile, the claim
        expires instead (``storage.dedup.STALE_AFTER``)."""
        try:
            await asyncio.to_thread(mark, self.engine, "teams", key)
        except UNREACHABLE:
            log.warning("teams: activity claim not updated", extra={"mark": mark.__name__})


def _unavailable(exc: Exception) -> web.Response:
    log.error("teams: answered 503, database unreachable", extra={"error": type(exc).__name__})
    return web.Response(status=503, headers={"Retry-After": "5"})
