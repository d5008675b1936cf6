"""``GET /s/{code}`` and ``GET|HEAD /r/{code}``: answer only once the hit is stored.

A malformed code is refused before any database work, an unknown one after the lookup;
either way the answer is a plain 404 that redirects nowhere.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from aiohttp import web

from bot.outbound import NotReachable
from bot.points import points_for
from bot.replies import Text
from bot.services import Services
from bot.tracking.recorder import Hit, LinkRecorder, Outcome, Rules, Shared
from bot.tracking.urls import is_code
from bot.transport import DeliveryError
from storage.engine import session_scope
from storage.people import Person, utcnow

log = logging.getLogger(__name__)
NETWORK_NAMES = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook"}
PARALLEL_WRITERS = 4  # PostgreSQL commits concurrent transactions together; SQLite has one writer
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


class LinkRoutes:
    def __init__(self, services: Services, recorder: LinkRecorder) -> None:
        self.services = services
        self.recorder = recorder
        self._confirmations: set[asyncio.Task[None]] = set()

    async def share(self, request: web.Request) -> web.Response:
        outcome = await self._record(request, "intent")
        if outcome.shared is not None:
            task = asyncio.create_task(self._confirm(outcome.shared))
            self._confirmations.add(task)
            task.add_done_callback(self._confirmations.discard)
        return _redirect(outcome)

    async def click(self, request: web.Request) -> web.Response:
        return _redirect(await self._record(request, "click"))

    async def close(self, _app: web.Application) -> None:
        await self.recorder.close()
        if self._confirmations:
            await asyncio.wait(self._confirmations, timeout=5)

    async def _record(self, request: web.Request, kind: str) -> Outcome:
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
            address=request.remote,
        )
        return await self.recorder.record(hit)

    async def _confirm(self, shared: Shared) -> None:
        """ "You shared X on LinkedIn", in the advocate's language, wherever they are."""
        with session_scope(self.services.engine) as session:
            person = session.get(Person, shared.person_id)
        if person is None:
            return
        tr = self.services.catalogs.get(person.lang_override or person.locale)
        text = tr.t(
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


def build_recorder(services: Services) -> LinkRecorder:
    config = services.settings.config
    window = (config.raw.get("tracking") or {}).get("preview_window_seconds", 5)
    rules = Rules(
        public_url=services.settings.public_url,
        preview_window=timedelta(seconds=float(window)),
        share_points=points_for(config, "share_intent"),
        click_points=points_for(config, "human_click"),
        writers=1 if services.engine.dialect.name == "sqlite" else PARALLEL_WRITERS,
    )
    return LinkRecorder(services.engine, rules)


def mount(app: web.Application, services: Services) -> LinkRoutes:
    routes = LinkRoutes(services, build_recorder(services))
    app.router.add_get("/s/{code}", routes.share, allow_head=False)
    app.router.add_get("/r/{code}", routes.click)
    app.on_cleanup.append(routes.close)
    return routes
