"""The one aiohttp application: health here, platform routes mounted by the composition root."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot import metrics
from bot.dashboard import pages as dashboard
from bot.delivery.ledger import queue_depth
from bot.services import Services
from bot.tracking import routes as tracking
from bot.web_limits import BODY_LIMITS, MAX_BODY, body_limits, quiet_client_parse_errors

log = logging.getLogger(__name__)
SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
HEALTH_TIMEOUT_S = 3.0


def database_ok(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "unreachable" to a health check
        log.warning("database unreachable", extra={"error": type(exc).__name__})
        return False
    return True


async def healthz(request: web.Request) -> web.Response:
    engine = request.app[SERVICES].engine
    try:
        ok = await asyncio.wait_for(asyncio.to_thread(database_ok, engine), HEALTH_TIMEOUT_S)
    except TimeoutError:
        ok = False
    body = {"status": "ok" if ok else "degraded", "database": "ok" if ok else "unreachable"}
    return web.json_response(body, status=200 if ok else 503)


def make_app(services: Services) -> web.Application:
    quiet_client_parse_errors()
    app = web.Application(client_max_size=MAX_BODY, middlewares=[body_limits])
    app[SERVICES] = services
    app[BODY_LIMITS] = {}
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics.route(lambda: queue_depth(services.engine)))
    tracking.mount(app, services)
    dashboard.mount(app, services)
    return app
