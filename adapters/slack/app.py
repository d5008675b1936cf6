"""Slack on the one aiohttp application: every request at ``POST /slack/events``.

slack-bolt's ``AsyncApp`` does what it is good at (signature and timestamp check, 401 for
a bad or stale request before anything runs, url_verification, ignoring our own events)
and routes the request to one of four listeners here. They turn the payload into a
neutral event, run the core's turn, and answer Slack within its 3 seconds: a turn that
finishes inside ``ACK_BUDGET_S`` answers in the ack itself (a slash command's reply, a
modal's field errors); a slower one is acked empty and goes on, its answers sent through
the Web API. bolt runs in ``process_before_response`` mode so that the ack leaves as soon
as the listener decides, with no polling; the turns themselves are tasks this adapter
tracks, so shutdown waits for them and tests can ``drain`` them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.engine import Engine

from adapters.slack.client import TIMEOUT_S, error_code, make_client
from adapters.slack.forms import (
    FormTooLarge,
    Origin,
    origin_from_metadata,
    to_card_modal,
    to_errors,
    to_modal,
)
from adapters.slack.inbound import (
    EVENTS,
    MalformedPayload,
    check,
    to_command,
    to_event,
    to_route,
)
from adapters.slack.people import People
from adapters.slack.render import OPEN_FORM_PREFIX, to_home_view, to_message
from adapters.slack.transport import (
    Held,
    Route,
    SlackApi,
    SlackTransport,
    TurnMark,
    from_open_form_value,
)
from bot.events import Event
from bot.replies import Answer, FieldErrors, ReplaceCard
from bot.services import Services
from bot.transport import Transport
from bot.web_limits import limit_body
from storage import dedup
from storage.dedup import Sighting
from storage.engine import UNREACHABLE

log = logging.getLogger(__name__)
Handle = Callable[[Event, Transport], Awaitable[Answer]]
COMMAND = "/elci"
PATH = "/slack/events"
ACK_BUDGET_S = 1.5
"""How long a turn may take and still answer in the ack; Slack allows 3 s door to door."""
SHUTDOWN_S = 10.0
AFTER_ACK_RETRIES_S: tuple[float, ...] = (2, 5, 15, 30, 60, 120)
"""When a turn already acked loses the database: the pauses before each new try (about
four minutes in all, close to the span of Slack's own retries of an unacked event)."""
MAX_BODY = 512 * 1024
"""Slack's largest requests echo a whole message (block_actions, up to 50 blocks) or view
(view_submission, up to 100), JSON inside a form field: a few hundred KB at the very most."""


class SlackAdapter:
    def __init__(self, handle: Handle, services: Services) -> None:
        settings = services.settings
        assert settings.slack_signing_secret is not None, "Slack needs its signing secret"
        self.handle = handle
        self.engine: Engine = services.engine
        self.settings = settings
        self.client = make_client(settings)
        self.api = SlackApi(self.client)
        self.people = People(self._users_info)
        self.verifier = SignatureVerifier(settings.slack_signing_secret.get_secret_value())
        self.bolt = AsyncApp(
            signing_secret=settings.slack_signing_secret.get_secret_value(),
            client=self.client,
            process_before_response=True,
            attaching_function_token_enabled=False,  # no workflow steps here
            logger=logging.getLogger("slack_bolt"),
            name="elci",
        )
        self._tasks: set[asyncio.Task[Any]] = set()
        self._before_ack: set[asyncio.Task[Any]] = set()  # turns the ack is waiting for
        self._socket: Any = None
        self.bolt.command(COMMAND)(self._on_command)
        for event_type in EVENTS:
            self.bolt.event(event_type)(self._on_event)
        self.bolt.action(re.compile(".*"))(self._on_action)
        self.bolt.view(re.compile(".*"))(self._on_view)
        self.bolt.error(self._on_error)

    async def dispatch(self, request: web.Request) -> web.Response:
        """The aiohttp route: the signature first, then bolt routes, and its answer goes back
        as it is.

        bolt parses a body as it builds its request, before its own signature check, and a
        body it cannot parse (not UTF-8, not JSON, nested past the parser's depth) would
        escape as a 500 that Slack retries. So the signature and timestamp are checked here
        on the raw bytes first (401, nothing parsed), and a signed body bolt cannot read is
        a 400."""
        if not self._signed(await request.read(), request):
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, RecursionError, LookupError, TypeError, AttributeError) as exc:
            # not UTF-8, not JSON, too deep, or JSON of a shape bolt's context reader trips on
            log.warning("slack: unreadable signed request", extra={"error": type(exc).__name__})
            return web.json_response({"error": "unreadable request body"}, status=400)
        try:
            check(bolt_request.body)
        except MalformedPayload as exc:
            log.warning("slack: malformed signed request", extra={"error": str(exc)})
            return web.json_response({"error": "malformed request"}, status=400)
        response = await self.bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    def _signed(self, body: bytes, request: web.Request) -> bool:
        try:
            return self.verifier.is_valid_request(body, request.headers)
        except ValueError:  # a timestamp that is not a number
            return False

    async def start(self, _app: web.Application | None = None) -> None:
        """One HTTP session for every Web API call of this process (and Socket Mode)."""
        self.client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S))
        if self.settings.slack_app_token is not None:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            token = self.settings.slack_app_token.get_secret_value()
            self._socket = AsyncSocketModeHandler(self.bolt, token)
            await self._socket.connect_async()
            log.info("slack socket mode connected")

    async def stop_taking_work(self, _app: web.Application | None = None) -> None:
        """On shutdown: no new Socket Mode requests (HTTP stops taking them by itself)."""
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None

    async def stop(self, _app: web.Application | None = None) -> None:
        """On cleanup, once no request is in flight: finish the turns, close the session."""
        await self.stop_taking_work()
        await self.drain(SHUTDOWN_S)
        if self.client.session is not None:
            await self.client.session.close()

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for the turns still running after their ack (shutdown; tests)."""
        while self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            if pending and timeout is not None:
                log.warning("turns still running at shutdown", extra={"count": len(pending)})
                return

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        """A turn that failed for want of the database before its ack was answered 503 and
        Slack retries it; after the ack (or work begun after it), nothing will."""
        self._tasks.discard(task)
        before_ack = task in self._before_ack
        self._before_ack.discard(task)
        if task.cancelled() or before_ack or not isinstance(task.exception(), UNREACHABLE):
            return
        log.error("slack turn lost: database unreachable after the ack")

    async def _on_error(self, error: Exception) -> BoltResponse | None:
        """bolt's error handler: a database that cannot be reached is a 503, so Slack
        retries the request (events up to three times, over about five minutes)."""
        if isinstance(error, (*UNREACHABLE, Busy)):
            log.error("slack: answered 503", extra={"error": type(error).__name__})
            return BoltResponse(status=503, body="")
        log.error("slack listener failed", exc_info=error)
        return None

    async def _users_info(self, user_id: str) -> dict[str, Any]:
        found = await self.client.users_info(user=user_id, include_locale=True)
        return dict(found["user"])

    async def _turn(self, event: Event, transport: SlackTransport) -> Answer:
        """The core's turn; an unreachable database is raised on, for a 503."""
        try:
            return await self.handle(await self.people.enrich(event), transport)
        except UNREACHABLE:
            raise
        except Exception:
            log.exception("slack turn failed", extra={"event": type(event).__name__})
            return None

    async def _within_budget(self, task: asyncio.Task[Any]) -> bool:
        """Wait for the turn up to the ack budget; a turn that failed for want of the
        database raises here, before the ack, so the request is answered 503."""
        self._before_ack.add(task)
        done, _ = await asyncio.wait({task}, timeout=ACK_BUDGET_S)
        if done and isinstance(task.exception(), UNREACHABLE):
            raise task.exception()  # type: ignore[misc]
        self._before_ack.discard(task)  # answered or acked: the turn goes on without Slack
        return bool(done)

    def _acked(self) -> bool:
        """Whether the running turn's request has been answered already."""
        return asyncio.current_task() not in self._before_ack

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        transport = SlackTransport(self.api, to_route(body), window=True)
        task = self._spawn(self._turn(to_command(body), transport))
        await self._within_budget(task)
        held = transport.close_window()
        if held.replies:
            first = held.replies.pop(0)
            await ack(**to_message(first), response_type="ephemeral")
        else:
            await ack()
        if held.replies:
            self._spawn(transport.flush(held))

    async def _on_event(self, body: dict[str, Any], context: AsyncBoltContext) -> None:
        """Once per event id, across processes: the id is claimed before the ack (no
        database, no claim: a 503), the turn gets the ack budget, and the claim is marked
        done once the turn is over, or dropped if it failed for want of the database, so
        Slack's retry is processed rather than skipped as seen."""
        event = to_event(body, context.bot_user_id)
        if event is None:
            return
        event_id = str(body.get("event_id") or "")
        if event_id:
            seen = await asyncio.to_thread(dedup.claim, self.engine, "slack", event_id)
            if seen is Sighting.DONE:
                log.info("slack redelivery skipped", extra={"event_id": event_id})
                return
            if seen is Sighting.BUSY:
                raise Busy(event_id)
            if seen is Sighting.TAKEN_OVER and await self._answered(to_route(body), event_id):
                await _best_effort(dedup.finish, self.engine, "slack", event_id)
                log.info("slack: answered before its process died", extra={"event_id": event_id})
                return
        await self._within_budget(self._spawn(self._event_turn(body, event, event_id)))

    async def _answered(self, route: Route, event_id: str) -> bool:
        """Whether a process that died holding this event had posted its answer already.
        Only a DM's history can say (a thread's answers are not in its channel's history):
        elsewhere, and when Slack cannot say, the event is answered again rather than lost."""
        if not route.channel.startswith("D"):
            return False
        try:
            return await self.api.answered(route.channel, event_id)
        except Exception as exc:
            log.warning("slack: earlier answer not checked", extra={"error": error_code(exc)})
            return False

    async def _event_turn(self, body: dict[str, Any], event: Event, event_id: str) -> None:
        route = to_route(body)
        transport = await self._turn_until_done(route, event, event_id)
        if event_id:
            await _best_effort(dedup.finish, self.engine, "slack", event_id)
        if transport is not None and route.home:
            try:
                await self.api.publish_home(route.user_id, to_home_view(transport.home))
            except Exception as exc:
                log.error("home not published", extra={"error": error_code(exc)})

    async def _turn_until_done(
        self, route: Route, event: Event, event_id: str
    ) -> SlackTransport | None:
        """The transport of the turn that went through; None if none did.

        Before the ack, a turn that loses the database drops its claim and raises, for a
        503 and Slack's retry. After the ack Slack sends nothing again, so the turn is
        tried again here while the database comes back (``AFTER_ACK_RETRIES_S``), unless
        its answer turns out to have gone out already."""
        mark = TurnMark(event_id) if event_id else None
        for wait in (*AFTER_ACK_RETRIES_S, None):
            transport = SlackTransport(self.api, route, mark=mark)
            try:
                await self._turn(event, transport)
                return transport
            except UNREACHABLE:
                if not self._acked():
                    if event_id:
                        await _best_effort(dedup.release, self.engine, "slack", event_id)
                    raise
            if wait is None:
                break
            log.warning("slack turn to retry: database unreachable after the ack",
                        extra={"in_seconds": wait})  # fmt: skip
            await asyncio.sleep(wait)
            if event_id and await self._answered(route, event_id):
                return None
        log.error("slack turn lost: the database stayed unreachable after the ack")
        return None

    async def _on_action(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        pressed = (body.get("actions") or [{}])[0]
        if str(pressed.get("action_id", "")).startswith(OPEN_FORM_PREFIX):
            await ack()
            self._spawn(self._open_packed_form(body, str(pressed.get("value", ""))))
            return
        event = to_event(body, context.bot_user_id)
        if event is not None:
            turn = self._action_turn(event, SlackTransport(self.api, to_route(body)))
            await self._within_budget(self._spawn(turn))
        await ack()

    async def _action_turn(self, event: Event, transport: SlackTransport) -> None:
        answer = await self._turn(event, transport)
        if isinstance(answer, ReplaceCard):
            await transport.update(answer.card)

    async def _open_packed_form(self, body: dict[str, Any], value: str) -> None:
        view = from_open_form_value(value)
        if view is None:
            log.warning("form button with an unreadable value")
            return
        try:
            await self.api.open_view(body.get("trigger_id", ""), view)
        except Exception as exc:
            log.error("views.open failed", extra={"error": error_code(exc)})

    async def _on_view(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        event = to_event(body, context.bot_user_id)
        if event is None:
            await ack()
            return
        view = body.get("view") or {}
        transport = SlackTransport(self.api, to_route(body), window=True)
        transport.origin = origin_from_metadata(str(view.get("private_metadata") or ""))
        task = self._spawn(self._submission_turn(event, transport))
        finished = await self._within_budget(task)
        held = transport.close_window()
        answer, origin = task.result() if finished else (None, None)
        placed = isinstance(answer, ReplaceCard) and origin is not None
        await ack(**_view_response(answer, held, view, transport.origin, placed))
        if not finished:
            self._spawn(self._late_submission(task, transport, held))
        elif isinstance(answer, ReplaceCard) and origin is not None:
            self._spawn(transport.replace_at(origin, answer.card))

    async def _submission_turn(
        self, event: Event, transport: SlackTransport
    ) -> tuple[Answer, Origin | None]:
        """The turn, and where its card goes when the form was opened from a message."""
        answer = await self._turn(event, transport)
        if isinstance(answer, ReplaceCard) and transport.origin is not None:
            return answer, await transport.check_origin(transport.origin)
        return answer, None

    async def _late_submission(
        self,
        task: asyncio.Task[tuple[Answer, Origin | None]],
        transport: SlackTransport,
        held: Held,
    ) -> None:
        """The modal has closed by now: a card replaces the message the form was opened
        from, else it goes, with whatever else the turn said, to the person's DM."""
        answer, origin = await task
        if isinstance(answer, ReplaceCard) and origin is not None:
            await transport.replace_at(origin, answer.card)
        elif isinstance(answer, ReplaceCard):
            held.card = answer.card
        elif isinstance(answer, FieldErrors):
            log.warning("field errors came after the ack; the modal had closed")
        await transport.flush(held)


def _view_response(
    answer: Answer,
    held: Held,
    view: dict[str, Any],
    origin: Origin | None = None,
    placed: bool = False,
) -> dict[str, Any]:
    """The ack of a view_submission: errors inline, the next view, or close the modal.

    ``placed``: the answer's card replaces the message the form was opened from, so the
    modal closes rather than show it again."""
    if isinstance(answer, FieldErrors):
        return {"response_action": "errors", "errors": to_errors(answer.errors, view)}
    card = answer.card if isinstance(answer, ReplaceCard) and not placed else held.card
    if held.form is not None and card is None:
        try:
            return {"response_action": "update", "view": to_modal(held.form, origin)}
        except FormTooLarge as exc:
            log.error("form not opened", extra={"error": str(exc)})
            return {}
    if card is not None:
        return {"response_action": "update", "view": to_card_modal(card)}
    return {}


def mount(app: web.Application, handle: Handle, services: Services) -> SlackAdapter:
    """Add ``POST /slack/events`` to the one web app, with the adapter's start and stop."""
    adapter = SlackAdapter(handle, services)
    app[SLACK_ADAPTER] = adapter
    app.router.add_post(PATH, adapter.dispatch)
    limit_body(app, PATH, MAX_BODY)
    app.on_startup.append(adapter.start)
    app.on_shutdown.append(adapter.stop_taking_work)
    app.on_cleanup.append(adapter.stop)
    return adapter


class Busy(Exception):
    """Another process holds a fresh claim on this event: answered 503 so that Slack
    asks again later, when that process has finished (or failed and let go)."""


async def _best_effort(mark: Callable[[Engine, str, str], None], *args: Any) -> None:
    """Mark a claim done or dropped; if the database is gone, the claim expires instead
    (``storage.dedup.STALE_AFTER``)."""
    try:
        await asyncio.to_thread(mark, *args)
    except UNREACHABLE:
        log.warning("slack: event claim not updated", extra={"mark": mark.__name__})


SLACK_ADAPTER: web.AppKey[SlackAdapter] = web.AppKey("slack_adapter", SlackAdapter)
