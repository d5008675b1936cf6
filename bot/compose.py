"""The composition root: the one module of the core that knows every feature and platform.

Adding a feature means adding its router here; adding a platform means mounting it here.
Nothing else in ``bot`` imports ``handlers`` or ``adapters``.
"""

from __future__ import annotations

from typing import TextIO

import click
from aiohttp import web
from sqlalchemy.engine import Engine

from adapters import slack, teams
from adapters.console.chat import ConsoleChat
from bot.config import Config, Settings
from bot.delivery.settings import campaign_settings
from bot.delivery.worker import DeliveryWorker, worker_for
from bot.i18n import Catalogs
from bot.kpis.earned_media import earned_media_settings
from bot.outbound import Outbound
from bot.points import KINDS, points_for
from bot.privacy.config import privacy_of
from bot.router import Router
from bot.routing import vocabulary_of
from bot.services import Services
from bot.tracking.limits import limit_rules
from bot.tracking.routes import SHARE_GATE
from bot.turn import Bot
from bot.web import make_app
from handlers import (
    campaigns,
    drafts,
    help,
    language,
    maintenance,
    policy,
    privacy,
    routing,
    sharing,
    standing,
    stats,
)
from handlers.campaigns.delivery import SharingCard
from handlers.policy.config import policy_of
from handlers.policy.gate import share_gate
from storage.engine import make_engine

FEATURES = (
    help, language, sharing, policy, standing, stats, drafts, routing, campaigns, privacy,
    maintenance,
)  # fmt: skip


def build_router() -> Router:
    router = Router()
    for feature in FEATURES:
        router.include(feature.router)
    return router


def check_config(config: Config) -> None:
    """Parse every feature's section at start-up, so a mistake stops us with the key named."""
    policy_of(config)
    vocabulary_of(config)
    drafts.check_config(config)
    campaign_settings(config)
    limit_rules(config.raw.get("tracking") or {})
    privacy_of(config)
    earned_media_settings(config)
    for kind in KINDS:
        points_for(config, kind)


def build_services(settings: Settings, engine: Engine | None = None) -> Services:
    engine = engine or make_engine(settings.database_url)
    outbound = Outbound(engine)
    if settings.slack_enabled:
        outbound.add(slack.SlackSender(settings))
    outbound.add(teams.teams_sender(settings, engine))
    return Services(settings, engine, build_router(), Catalogs(), outbound)


def delivery_worker(services: Services) -> DeliveryWorker:
    """Campaign deliveries as the sharing card, with each recipient's own tracked links."""
    return worker_for(services, SharingCard(services.settings))


def build_web_app(services: Services) -> web.Application:
    """The one HTTP application; each enabled platform mounts its routes on it."""
    app = make_app(services)
    if (gate := share_gate(services.settings.config)) is not None:
        app[SHARE_GATE] = gate
    if services.settings.slack_enabled:
        slack.mount(app, Bot(services).handle, services)
    try:
        teams.mount_teams(app, services, Bot(services).handle)
    except teams.TeamsConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    return app


def build_console(services: Services, email: str, out: TextIO) -> ConsoleChat:
    chat = ConsoleChat(Bot(services).handle, email, out)
    services.outbound.add(chat)
    return chat


def manifest_commands() -> list[click.Command]:
    """One ``elci manifest <platform>`` command per platform adapter."""
    return [slack.slack_manifest, teams.teams_manifest(lambda: build_services(Settings()))]
