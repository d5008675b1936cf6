"""``elci export --person EMAIL`` and ``elci erase --person EMAIL``: a person's right to
see what is held about them, and to have it erased (KVKK art. 11, GDPR art. 15 and 17)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.privacy.holdings import UnknownPerson, erase, export
from bot.privacy.mentions import config_paths
from storage.engine import make_engine
from storage.migrate import upgrade

PERSON = click.option("--person", "email", required=True, metavar="EMAIL", help="Their email.")


@click.command("export")
@PERSON
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the JSON here instead of to standard output.",
)
def export_command(email: str, out: Path | None) -> None:
    """Write everything held about a person as JSON."""
    engine = _engine(Settings())
    try:
        held = export(engine, email)
    except UnknownPerson as exc:
        raise click.ClickException(f"no one with the email {exc} in the directory") from exc
    finally:
        engine.dispose()
    text = json.dumps(held, ensure_ascii=False, indent=2, sort_keys=True)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", "utf-8")
        click.echo(f"wrote {out}", err=True)


@click.command("erase")
@PERSON
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(email: str, yes: bool) -> None:
    """Delete or anonymise everything held about a person, keeping anonymous totals.

    Their directory row becomes a tombstone with only its department; platform accounts,
    dashboard sign-ins and "not for me" choices are deleted; what they wrote (drafts,
    requests, replies, review comments) is blanked; shares, clicks, points and deliveries
    stay, no longer linked to anyone, so every total stays right. This cannot be undone.
    """
    settings = Settings()
    engine = _engine(settings)
    try:
        try:
            held = export(engine, email)
        except UnknownPerson as exc:
            raise click.ClickException(f"no one with the email {exc} in the directory") from exc
        name = held["tables"]["person"][0]["name"]
        rows = sum(len(found) for found in held["tables"].values())
        if not yes:
            click.confirm(
                f"Erase {name} <{held['email']}> ({rows} rows)? This cannot be undone",
                abort=True,
                err=True,
            )
        erasure = erase(engine, email)
    finally:
        engine.dispose()
    for table, (action, count) in sorted(erasure.done.items()):
        if count:
            click.echo(f"{table}: {_DONE[action]} {count}")
    click.echo(f"erased {held['email']}; the directory keeps person #{erasure.person_id} "
               "as an anonymous tombstone")  # fmt: skip
    for path in config_paths(settings.config.raw, held["email"]):
        click.echo(f"still named in the configuration at {path}: remove it there", err=True)


def _engine(settings: Settings) -> Engine:
    """The schema brought up to date, and no other change: an unknown email changes nothing."""
    url = settings.database_url
    upgrade(url)
    return make_engine(url)


_DONE = {
    "delete": "deleted",
    "scrub": "text removed from",
    "keep": "kept anonymously",
    "anonymise": "anonymised",
    "clear": "cleared in",
    "rewrite": "pointed at the tombstone in",
}


def register(group: click.Group) -> None:
    group.add_command(export_command)
    group.add_command(erase_command)
