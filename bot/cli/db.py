"""``elci db upgrade``: bring the database to the shipped schema."""

from __future__ import annotations

import click
from sqlalchemy.engine import Engine

from bot.config import ConfigError, Settings
from bot.directory import sync_departments
from storage.engine import make_engine
from storage.migrate import current_heads, upgrade


def upgraded_engine(settings: Settings) -> Engine:
    """Migrate, then make the configured departments rows: what any writing command needs first.

    The caller disposes of the engine.
    """
    try:
        config = settings.config
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    sync_departments(engine, config)
    return engine


@click.group("db")
def db() -> None:
    """The database."""


@db.command("upgrade")
def upgrade_command() -> None:
    """Apply migrations and sync the configured departments; safe to run again."""
    settings = Settings()
    upgraded_engine(settings).dispose()
    revision = ", ".join(current_heads(settings.database_url))
    departments = len(settings.config.departments)
    click.echo(f"database at revision {revision}; {departments} departments configured")


def register(group: click.Group) -> None:
    group.add_command(db)
