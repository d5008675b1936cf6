"""``elci content add|list|archive``: the content library from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import click
from sqlalchemy.engine import Engine

from bot.cli.db import upgraded_engine
from bot.config import Settings
from bot.content import ContentError, NewItem, add_item, archive, list_items
from storage.content import ContentItem


@contextmanager
def _engine(settings: Settings) -> Iterator[Engine]:
    engine = upgraded_engine(settings)
    try:
        yield engine
    finally:
        engine.dispose()


@click.group("content")
def content() -> None:
    """The library of content employees are invited to share."""


@content.command("add")
@click.option("--title", required=True)
@click.option("--url", required=True, help="http(s) address of the item")
@click.option("--summary", default="")
@click.option("--caption", "captions", multiple=True, help="a suggested caption (repeatable)")
@click.option("--tag", "tags", multiple=True)
@click.option(
    "--audience",
    "selectors",
    multiple=True,
    help="all, department:KEY, location:NAME, role:NAME, person:EMAIL",
)
@click.option("--language", type=click.Choice(["en", "tr"]), default="en")
@click.option("--image-url", default=None)
@click.option("--leader", is_flag=True, help="a leader's item: shown first and marked")
@click.option("--publish", type=click.DateTime(), default=None, help="ISO date or date-time (UTC)")
@click.option("--expires", type=click.DateTime(), default=None, help="ISO date or date-time (UTC)")
def add_command(
    title: str,
    url: str,
    summary: str,
    captions: tuple[str, ...],
    tags: tuple[str, ...],
    selectors: tuple[str, ...],
    language: str,
    image_url: str | None,
    leader: bool,
    publish: datetime | None,
    expires: datetime | None,
) -> None:
    """Add an item and print its id."""
    settings = Settings()
    new = NewItem(
        title=title,
        url=url,
        summary=summary,
        image_url=image_url,
        language=language,
        tags=tags,
        audience=selectors,
        captions={"any": list(captions)} if captions else {},
        publish_at=_utc(publish),
        expires_at=_utc(expires),
        leader=leader,
    )
    with _engine(settings) as engine:
        try:
            item = add_item(engine, settings.config, new)
        except ContentError as exc:
            raise click.ClickException(f"nothing stored: {exc}") from exc
    click.echo(item.id)


@content.command("list")
@click.option("--json", "as_json", is_flag=True, help="one JSON array, for scripts")
@click.option("--all", "include_archived", is_flag=True, help="archived items too")
def list_command(as_json: bool, include_archived: bool) -> None:
    """List the library, newest first."""
    with _engine(Settings()) as engine:
        items = list_items(engine, include_archived)
    if as_json:
        click.echo(json.dumps([_as_dict(item) for item in items], ensure_ascii=False, indent=2))
        return
    for item in items:
        flags = " [leader]" if item.leader else ""
        flags += " [archived]" if item.archived else ""
        click.echo(f"{item.id}\t{item.language}\t{item.title}{flags}\t{item.url}")


@content.command("archive")
@click.argument("item_id", type=int)
def archive_command(item_id: int) -> None:
    """Take an item out of every feed; its history stays."""
    with _engine(Settings()) as engine:
        item = archive(engine, item_id)
    if item is None:
        raise click.ClickException(f"no content item {item_id}")
    click.echo(f"archived {item_id}")


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def _as_dict(item: ContentItem) -> dict[str, object]:
    data = item.model_dump(mode="json")
    return {key: data[key] for key in (
        "id", "title", "url", "slug", "summary", "image_url", "language", "tags", "audience",
        "captions", "publish_at", "expires_at", "leader", "archived", "created_at",
    )}  # fmt: skip


def register(group: click.Group) -> None:
    group.add_command(content)
