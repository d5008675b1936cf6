"""Wiring: what the composition root calls to put Teams on the web app and in outbound.

``cloud`` and ``credentials`` exist for tests and other clouds: a local OpenID server and a
stand-in for the bot's own token. Production takes the defaults.
"""

from __future__ import annotations

import logging

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from botframework.connector.auth import ServiceClientCredentialsFactory

from adapters.teams.auth import build_authentication
from adapters.teams.clients import ReusingAuthentication
from adapters.teams.config import (
    AUTH_DISABLED_WARNING,
    PUBLIC_CLOUD,
    Cloud,
    TeamsConfig,
    check_serving,
    to_teams_config,
)
from adapters.teams.endpoint import PATH, TeamsEndpoint
from adapters.teams.members import MemberCache
from adapters.teams.outbound import TeamsSender
from adapters.teams.turn import Handle, TeamsTurns
from bot.config import Settings
from bot.services import Services

log = logging.getLogger(__name__)


class TeamsConnection:
    """The SDK objects one process needs to talk to Teams; clients are reused inside."""

    def __init__(
        self, config: TeamsConfig, credentials: ServiceClientCredentialsFactory | None = None
    ) -> None:
        self.config = config
        self.auth: ReusingAuthentication = build_authentication(config, credentials)
        self.adapter = CloudAdapter(self.auth)


def teams_sender(
    settings: Settings,
    cloud: Cloud = PUBLIC_CLOUD,
    credentials: ServiceClientCredentialsFactory | None = None,
) -> TeamsSender:
    connection = TeamsConnection(to_teams_config(settings, cloud), credentials)
    return TeamsSender(connection.config, connection.adapter)


def mount_teams(
    app: web.Application,
    services: Services,
    handle: Handle,
    cloud: Cloud = PUBLIC_CLOUD,
    credentials: ServiceClientCredentialsFactory | None = None,
) -> TeamsEndpoint:
    """Add ``POST /api/messages``. Raises ``UnsafeEmulatorMode`` instead of serving
    unauthenticated Teams traffic on a reachable address."""
    config = to_teams_config(services.settings, cloud)
    check_serving(services.settings, config)
    if config.emulator:
        log.warning(AUTH_DISABLED_WARNING)
    connection = TeamsConnection(config, credentials)
    turns = TeamsTurns(handle, services.catalogs, services.engine, MemberCache())
    endpoint = TeamsEndpoint(config, connection.auth, connection.adapter, turns, services.engine)
    app.router.add_post(PATH, endpoint.post)
    return endpoint
