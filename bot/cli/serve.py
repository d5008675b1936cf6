"""``elci serve``: migrations, then the one HTTP application until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import click
from aiohttp import web

from bot.cli.setup import prepare
from bot.compose import build_web_app, delivery_worker
from bot.delivery.worker import run_campaigns
from bot.jobs import Scheduler

log = logging.getLogger(__name__)


@click.command("serve")
def serve() -> None:
    """Run the HTTP server (Slack, Teams, health) on ELCI_HOST:ELCI_PORT."""
    services = prepare()
    settings = services.settings
    app = build_web_app(services)
    app.cleanup_ctx.append(_scheduler(Scheduler(services)))
    log.info("listening", extra={"host": settings.host, "port": settings.port})
    web.run_app(app, host=settings.host, port=settings.port, print=None, shutdown_timeout=10)
    log.info("stopped")


def _scheduler(scheduler: Scheduler):  # type: ignore[no-untyped-def]
    """The periodic jobs and the campaign delivery worker run beside the server, in its
    event loop, until it stops."""

    async def lifetime(_app: web.Application) -> AsyncIterator[None]:
        delivery = delivery_worker(scheduler.services)
        tasks = [
            asyncio.create_task(scheduler.run_forever()),
            asyncio.create_task(delivery.run_forever()),
            asyncio.create_task(run_campaigns(delivery)),
        ]
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    return lifetime


def register(group: click.Group) -> None:
    group.add_command(serve)
