"""The one aiohttp application: health here, platform routes mounted by the composition root."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from bot import metrics
from bot.dashboard import pages as dashboard
from bot.delivery.ledger import queue_depth
from bot.services import Services
from bot.tracking import routes as tracking
from bot.web_limits import BODY_LIMITS, MAX_BODY, body_limits, quiet_client_parse_errors

log = logging.getLogger(__name__)
SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
HEALTH_TIMEOUT_S = 3.0


class HealthProbe:
    """Asks the database on a connection and a thread of its own.

    Under a burst of retries after an outage every pooled connection and every default
    executor thread can be busy with requests; a probe queued behind them would answer
    503 while the database is fine, and a load balancer would eject a healthy replica.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = create_engine(engine.url, poolclass=NullPool)
        self.threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")

    async def ok(self) -> bool:
        loop = asyncio.get_running_loop()
        probe = loop.run_in_executor(self.threads, database_ok, self.engine)
        try:
            return await asyncio.wait_for(probe, HEALTH_TIMEOUT_S)
        except TimeoutError:
            return False

    async def close(self, _app: web.Application) -> None:
        self.threads.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()


HEALTH: web.AppKey[HealthProbe] = web.AppKey("health", HealthProbe)


def database_ok(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "unreachable" to a health check
        log.warning("database unreachable", extra={"error": type(exc).__name__})
        return False
    return True


async def healthz(request: web.Request) -> web.Response:
    ok = await request.app[HEALTH].ok()
    body = {"status": "ok" if ok else "degraded", "database": "ok" if ok else "unreachable"}
    return web.json_response(body, status=200 if ok else 503)


def make_app(services: Services) -> web.Application:
    quiet_client_parse_errors()
    app = web.Application(client_max_size=MAX_BODY, middlewares=[body_limits])
    app[SERVICES] = services
    app[HEALTH] = HealthProbe(services.engine)
    app.on_cleanup.append(app[HEALTH].close)
    app[BODY_LIMITS] = {}
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics.route(lambda: queue_depth(services.engine)))
    tracking.mount(app, services)
    dashboard.mount(app, services)
    return app
