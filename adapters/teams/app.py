"""Wiring: what the composition root calls to put Teams on the web app and in outbound.

``cloud`` and ``credentials`` exist for tests and other clouds: a local OpenID server and a
stand-in for the bot's own token. Production takes the defaults.
"""

from __future__ import annotations

import logging

from aiohttp import web
from botframework.connector.auth import ServiceClientCredentialsFactory
from sqlalchemy.engine import Engine

from adapters.teams.config import (
    AUTH_DISABLED_WARNING,
    PUBLIC_CLOUD,
    Cloud,
    check_credentials,
    check_serving,
    to_teams_config,
)
from adapters.teams.connection import TeamsConnection
from adapters.teams.endpoint import PATH, TeamsEndpoint
from adapters.teams.members import MemberCache
from adapters.teams.outbound import TeamsSender
from adapters.teams.turn import Handle, TeamsTurns
from bot.config import Settings
from bot.services import Services
from bot.web_limits import limit_body

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024
"""A Teams message is at most about 28 KB (its HTML copy included); an invoke carries a
card's inputs. A quarter of a megabyte leaves room for every activity Teams sends."""


def teams_sender(
    settings: Settings,
    engine: Engine | None = None,
    cloud: Cloud = PUBLIC_CLOUD,
    credentials: ServiceClientCredentialsFactory | None = None,
) -> TeamsSender:
    """``engine``: the stored conversations, for posts to team channels (see the sender)."""
    connection = TeamsConnection(to_teams_config(settings, cloud), credentials)
    return TeamsSender(connection, engine=engine)


def mount_teams(
    app: web.Application,
    services: Services,
    handle: Handle,
    cloud: Cloud = PUBLIC_CLOUD,
    credentials: ServiceClientCredentialsFactory | None = None,
) -> TeamsEndpoint:
    """Add ``POST /api/messages``. Raises ``TeamsConfigError`` for settings that cannot
    work, and ``UnsafeEmulatorMode`` instead of serving unauthenticated Teams traffic on a
    reachable address.

    The process's Teams sender, when it has one with the same configuration, lends its
    connection, so replies and proactive sends share the clients and the HTTP session."""
    config = to_teams_config(services.settings, cloud)
    check_serving(services.settings, config)
    check_credentials(config)
    if config.emulator:
        log.warning(AUTH_DISABLED_WARNING)
    sender = services.outbound.senders.get(TeamsSender.platform)
    if isinstance(sender, TeamsSender) and sender.config == config:
        connection = sender.connection
    else:
        connection = TeamsConnection(config, credentials)
    app.on_cleanup.append(lambda _app: connection.close())
    turns = TeamsTurns(handle, services.catalogs, services.engine, MemberCache())
    endpoint = TeamsEndpoint(config, connection.auth, connection.adapter, turns, services.engine)
    app.router.add_post(PATH, endpoint.post)
    limit_body(app, PATH, MAX_BODY)
    return endpoint
