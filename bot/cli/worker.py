"""``elci worker``: periodic jobs and deliveries only, for scaling out beside ``elci serve``.

On SIGTERM (or Ctrl-C) it claims nothing more, finishes the sends under way and releases
its other claimed rows to the queue, so another worker takes them at once."""

from __future__ import annotations

import asyncio
import logging
import signal

import click

from bot.cli.setup import freeze_startup_heap, prepare
from bot.compose import delivery_worker
from bot.delivery.worker import run_campaigns, wind_down
from bot.jobs import Scheduler

log = logging.getLogger(__name__)


@click.command("worker")
def worker() -> None:
    """Run the scheduler and delivery workers until SIGTERM or Ctrl-C."""
    services = prepare()
    freeze_startup_heap()
    asyncio.run(_run(Scheduler(services)))
    log.info("stopped")


async def _run(scheduler: Scheduler) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("worker started", extra={"jobs": sorted(scheduler.services.router.jobs)})
    delivery = delivery_worker(scheduler.services)
    sending = asyncio.create_task(delivery.run_forever())
    tasks = [
        asyncio.create_task(scheduler.run_forever()),
        asyncio.create_task(run_campaigns(delivery)),
    ]
    await stop.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await wind_down(delivery, sending)
    await scheduler.services.outbound.close()


def register(group: click.Group) -> None:
    group.add_command(worker)
