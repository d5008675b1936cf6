"""``elci serve``: migrations, then the one HTTP application until SIGTERM."""

from __future__ import annotations

import logging

import click
from aiohttp import web

from bot.cli.setup import prepare
from bot.compose import build_web_app

log = logging.getLogger(__name__)


@click.command("serve")
def serve() -> None:
    """Run the HTTP server (Slack, Teams, health) on ELCI_HOST:ELCI_PORT."""
    services = prepare()
    settings = services.settings
    app = build_web_app(services)
    log.info("listening", extra={"host": settings.host, "port": settings.port})
    web.run_app(app, host=settings.host, port=settings.port, print=None, shutdown_timeout=10)
    log.info("stopped")


def register(group: click.Group) -> None:
    group.add_command(serve)
