"""``elci people import FILE.csv``: the directory, from the file HR keeps."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.db import upgraded_engine
from bot.config import Settings
from bot.directory import import_people


@click.group("people")
def people() -> None:
    """The people directory."""


@people.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Upsert everyone in FILE (CSV, UTF-8); if any line is wrong, nothing is imported.

    \b
    Header row, columns in any order:
      email,name,department,location,title,roles,locale,timezone,manager_email,slack_user_id
    roles: ';'-separated, of employee, blogger, reviewer, agent, hr, leader, group:NAME
    """
    settings = Settings()
    engine = upgraded_engine(settings)
    try:
        report = import_people(engine, file, settings.config)
    finally:
        engine.dispose()
    if report.errors:
        for error in report.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(report.errors)} error(s); nothing imported", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}")


def register(group: click.Group) -> None:
    group.add_command(people)
