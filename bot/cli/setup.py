"""What every long-running command does first: settings, logging, an up-to-date database."""

from __future__ import annotations

from bot import logs
from bot.compose import build_services
from bot.config import Settings
from bot.directory import sync_departments
from bot.services import Services
from storage.migrate import upgrade


def secrets_of(settings: Settings) -> list[str]:
    values = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.microsoft_app_password,
    )
    return [value.get_secret_value() for value in values if value is not None]


def prepare(settings: Settings | None = None, log_level: str | None = None) -> Services:
    settings = settings or Settings()
    logs.configure(log_level or settings.log_level, secrets_of(settings))
    upgrade(settings.database_url)
    services = build_services(settings)
    sync_departments(services.engine, settings.config)
    return services
