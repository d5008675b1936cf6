"""``GET /s/{code}`` and ``GET|HEAD /r/{code}``: answer only once the hit is stored.

A malformed code is refused before any database work, an unknown one after the lookup;
either way the answer is a plain 404 that redirects nowhere. With the database away the
answer is 503 and nothing is recorded. A client over its rate limit
gets 429 before anything else happens (``bot.tracking.limits``).

A share link outlives the card it was on: a person may press a button from before a new
policy version. When the composition root sets a :class:`ShareGate`, ``/s/`` asks it first
and, when the person may not share yet, records nothing, shows a short page and sends the
gate's explanation (with its buttons) in chat.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlmodel import Session

from bot.i18n import Translator
from bot.jobs import JobContext
from bot.outbound import NotReachable
from bot.points import points_for
from bot.replies import Text
from bot.services import Services
from bot.tracking.limits import VisitorLimits, limit_rules
from bot.tracking.recorder import Hit, LinkRecorder, Outcome, Rules, Shared
from bot.tracking.urls import is_code
from bot.transport import DeliveryError
from storage.engine import UNREACHABLE, session_scope
from storage.people import Person, utcnow
from storage.tracking import ShareLink

log = logging.getLogger(__name__)
NETWORK_NAMES = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook"}
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


@dataclass(frozen=True)
class ShareGate:
    """Whether a person may share now, and how to tell them what is missing when not."""

    cleared: Callable[[Session, int], bool]
    explain: Callable[[JobContext, int], Coroutine[Any, Any, None]]


SHARE_GATE: web.AppKey[ShareGate] = web.AppKey("share_gate", ShareGate)


class LinkRoutes:
    def __init__(self, services: Services, recorder: LinkRecorder, limits: VisitorLimits) -> None:
        self.services = services
        self.recorder = recorder
        self.limits = limits
        self._background: set[asyncio.Task[None]] = set()

    async def share(self, request: web.Request) -> web.Response:
        address = self.limits.client_address(request)
        if not self.limits.admit(address):
            return self._too_many()
        try:
            return await self._share(request, address)
        except UNREACHABLE:
            return _unavailable()

    async def _share(self, request: web.Request, address: str | None) -> web.Response:
        gate = request.app.get(SHARE_GATE)
        code = request.match_info["code"]
        if gate is not None and is_code(code):
            person = await asyncio.to_thread(self._held_back, gate, code)
            if person is not None:
                assert person.id is not None
                self._later(gate.explain(JobContext(self.services), person.id))
                return _policy_page(self._translator(person))
        outcome = await self._record(request, "intent", address)
        if outcome.shared is not None:
            self._later(self._confirm(outcome.shared))
        return _redirect(outcome)

    async def click(self, request: web.Request) -> web.Response:
        address = self.limits.client_address(request)
        if not self.limits.admit(address):
            return self._too_many()
        try:
            return _redirect(await self._record(request, "click", address))
        except UNREACHABLE:
            return _unavailable()

    async def close(self, _app: web.Application) -> None:
        await self.recorder.close()
        if self._background:
            await asyncio.wait(self._background, timeout=5)

    async def _record(self, request: web.Request, kind: str, address: str | None) -> Outcome:
        code = request.match_info["code"]
        if not is_code(code):
            return Outcome(None)
        hit = Hit(
            kind="intent" if kind == "intent" else "click",
            code=code,
            at=utcnow(),
            method=request.method,
            user_agent=request.headers.get("User-Agent", "")[:512],
            referrer=request.headers.get("Referer"),
            address=address,
        )
        return await self.recorder.record(hit)

    def _held_back(self, gate: ShareGate, code: str) -> Person | None:
        """The link's person when the gate holds them back; None when they may share (or
        the code is unknown, which the recorder answers with its 404)."""
        with session_scope(self.services.engine) as session:
            link = session.get(ShareLink, code)
            if link is None or gate.cleared(session, link.person_id):
                return None
            return session.get(Person, link.person_id)

    def _translator(self, person: Person) -> Translator:
        return JobContext(self.services).translator_for(person)

    def _too_many(self) -> web.Response:
        retry = str(self.limits.rules.retry_after)
        return web.Response(
            status=429, text="Too many requests", headers={"Retry-After": retry, **NO_STORE}
        )

    def _later(self, work: Coroutine[Any, Any, None]) -> None:
        """Chat messages go out after the answer, and are awaited on shutdown."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _confirm(self, shared: Shared) -> None:
        """ "You shared X on LinkedIn", in the advocate's language, wherever they are."""
        with session_scope(self.services.engine) as session:
            person = session.get(Person, shared.person_id)
        if person is None:
            return
        text = self._translator(person).t(
            "You shared “{title}” on {network}. +{points} points, thank you!",
            title=shared.title,
            network=NETWORK_NAMES.get(shared.network, shared.network),
            points=shared.points,
        )
        try:
            await self.services.outbound.send(shared.person_id, Text(text))
        except (NotReachable, DeliveryError) as exc:
            log.info("share confirmation not delivered", extra={"reason": str(exc)[:200]})


def _redirect(outcome: Outcome) -> web.Response:
    if outcome.location is None:
        return web.Response(status=404, text="Not found", headers=NO_STORE)
    return web.Response(status=302, headers={"Location": outcome.location, **NO_STORE})


def _unavailable() -> web.Response:
    """The database is away: nothing was recorded, and the visitor's browser may try again
    (the writer has logged the failure once for its whole batch)."""
    return web.Response(
        status=503, text="Service unavailable", headers={"Retry-After": "5", **NO_STORE}
    )


def _policy_page(tr: Translator) -> web.Response:
    """A short page in the person's language: the details and the buttons are in chat."""
    title = html.escape(tr.t("First, our social media policy"))
    body = html.escape(
        tr.t(
            "Before you share, please acknowledge our social media policy. We have sent "
            "you the details in chat; once you are done there, press the share button again."
        )
    )
    page = (
        f'<!doctype html><html lang="{html.escape(tr.locale)}"><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{title}</title>'
        f"<h1>{title}</h1><p>{body}</p></html>"
    )
    return web.Response(status=403, text=page, content_type="text/html", headers=NO_STORE)


def build_recorder(services: Services) -> LinkRecorder:
    config = services.settings.config
    window = (config.raw.get("tracking") or {}).get("preview_window_seconds", 5)
    rules = Rules(
        public_url=services.settings.public_url,
        preview_window=timedelta(seconds=float(window)),
        share_points=points_for(config, "share_intent"),
        click_points=points_for(config, "human_click"),
    )
    return LinkRecorder(services.engine, rules)


def mount(app: web.Application, services: Services) -> LinkRoutes:
    limits = VisitorLimits(limit_rules(services.settings.config.raw.get("tracking") or {}))
    routes = LinkRoutes(services, build_recorder(services), limits)
    app.router.add_get("/s/{code}", routes.share, allow_head=False)
    app.router.add_get("/r/{code}", routes.click)
    app.on_cleanup.append(routes.close)
    return routes
