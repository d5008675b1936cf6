"""``elci report campaign ID|people|departments [--csv|--excel] [--since] [--until]``: the KPIs
for HR, as text tables or as CSV that is safe to open in a spreadsheet."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from typing import Any

import click
from sqlalchemy.engine import Engine

from bot.cli.db import upgraded_engine
from bot.config import Config, ConfigError, Settings
from bot.kpis.campaign import campaign_kpis
from bot.kpis.directory import advocacy_by
from bot.kpis.earned_media import EarnedMediaSettings, earned_media_settings
from bot.kpis.people import people_figures
from bot.kpis.period import Period
from bot.kpis.routing import routing_kpis
from bot.kpis.sheets import campaign_sheets, departments_sheet, people_sheet
from bot.kpis.tabular import Sheet, long_rows, text_table, write_csv
from bot.routing import vocabulary_of


class Moment(click.ParamType):
    """An ISO-8601 date or time; UTC when it has no offset."""

    name = "ISO-8601"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO-8601 date or time, e.g. 2026-11-01", param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def report_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--csv`` or ``--excel``, ``--since`` and ``--until``, turned into the output's
    ``form`` ("text", "csv", "excel") and a ``Period``."""

    @click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout (spreadsheet-safe)")
    @click.option(
        "--excel",
        is_flag=True,
        help="CSV that Excel opens with ç, ğ, ı, ö, ş, ü intact (a UTF-8 byte-order mark)",
    )
    @click.option("--since", type=Moment(), default=None, help="from (included), ISO-8601")
    @click.option("--until", type=Moment(), default=None, help="to (excluded), ISO-8601")
    @wraps(command)
    def wrapper(
        *args: Any,
        since: datetime | None,
        until: datetime | None,
        as_csv: bool,
        excel: bool,
        **kwargs: Any,
    ) -> None:
        try:
            period = Period(since, until)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--until") from exc
        form = "excel" if excel else "csv" if as_csv else "text"
        command(*args, form=form, period=period, **kwargs)

    return wrapper


@click.group("report")
def report() -> None:
    """KPIs: a campaign, the people, the departments."""


@report.command("campaign")
@click.argument("campaign_id", type=int)
@report_options
def campaign_command(campaign_id: int, form: str, period: Period) -> None:
    """A campaign: reach, shares, clicks, participation, targets, pilot, groups."""
    with _store() as (engine, config):
        kpis = campaign_kpis(engine, campaign_id, _earned_media(config), period)
    if kpis is None:
        raise click.ClickException(f"no campaign {campaign_id}")
    _emit(campaign_sheets(kpis), form, long=True)


@report.command("people")
@report_options
def people_command(form: str, period: Period) -> None:
    """Everyone on the leaderboards: points, shares per network, human clicks, campaigns."""
    with _store() as (engine, _config):
        people = people_figures(engine, period)
    _emit([people_sheet(people)], form)


@report.command("departments")
@report_options
def departments_command(form: str, period: Period) -> None:
    """Per department: its people's advocacy (groups under 5 hidden) and its service desk."""
    with _store() as (engine, config):
        advocacy = advocacy_by(engine, "department", period)
        desks = routing_kpis(engine, vocabulary_of(config), period)
    _emit([departments_sheet(advocacy, desks)], form)


@contextmanager
def _store() -> Iterator[tuple[Engine, Config]]:
    """The configured database, migrated, and the config; the engine disposed after."""
    settings = Settings()
    engine = upgraded_engine(settings)
    try:
        yield engine, settings.config
    finally:
        engine.dispose()


def _earned_media(config: Config) -> EarnedMediaSettings:
    try:
        return earned_media_settings(config)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from exc


def _emit(sheets: Sequence[Sheet], form: str, long: bool = False) -> None:
    stream = sys.stdout
    if form == "text":
        click.echo("\n\n".join(text_table(sheet) for sheet in sheets))
        return
    if form == "excel":
        # Without the mark Excel reads the file in the machine's legacy code page
        # (Windows-1254 in Türkiye), and names and departments come out garbled.
        stream.write("\ufeff")
    if long:
        columns, rows = long_rows(sheets)
        write_csv(stream, columns, rows)
    else:
        write_csv(stream, sheets[0].columns, sheets[0].rows)


def register(group: click.Group) -> None:
    group.add_command(report)
