"""``elci serve``: migrations, then the one HTTP application until SIGTERM.

On SIGTERM the listening socket closes, requests in flight get ``SHUTDOWN_S`` to finish
(aiohttp's shutdown timeout), and the delivery worker stops claiming at once, finishes
its sends under way and releases the rest of its claimed rows to the queue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import click
from aiohttp import web

from bot.cli.setup import freeze_startup_heap, prepare
from bot.compose import build_web_app, delivery_worker
from bot.delivery.worker import SHUTDOWN_S, DeliveryWorker, run_campaigns, wind_down
from bot.jobs import Scheduler

log = logging.getLogger(__name__)


@click.command("serve")
def serve() -> None:
    """Run the HTTP server (Slack, Teams, health) on ELCI_HOST:ELCI_PORT."""
    services = prepare()
    settings = services.settings
    app = build_web_app(services)
    delivery = delivery_worker(services)

    async def stop_claiming(_app: web.Application) -> None:
        delivery.stop()

    app.on_shutdown.append(stop_claiming)
    app.cleanup_ctx.append(_scheduler(Scheduler(services), delivery))
    freeze_startup_heap()
    log.info("listening", extra={"host": settings.host, "port": settings.port})
    web.run_app(
        app, host=settings.host, port=settings.port, print=None, shutdown_timeout=SHUTDOWN_S
    )
    log.info("stopped")


def _scheduler(scheduler: Scheduler, delivery: DeliveryWorker):  # type: ignore[no-untyped-def]
    """The periodic jobs and the campaign delivery worker run beside the server, in its
    event loop, until it stops."""

    async def lifetime(_app: web.Application) -> AsyncIterator[None]:
        sending = asyncio.create_task(delivery.run_forever())
        tasks = [
            asyncio.create_task(scheduler.run_forever()),
            asyncio.create_task(run_campaigns(delivery)),
        ]
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await wind_down(delivery, sending)

    return lifetime


def register(group: click.Group) -> None:
    group.add_command(serve)
