"""``elci campaign create|send|status|cancel|replay|approve|list``: broadcasts from the
command line (the contract in DESIGN.md), on the same ledger the chat commands use."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import click

from bot.cli.setup import prepare
from bot.config import ConfigError
from bot.delivery import ledger
from bot.delivery.settings import campaign_settings
from bot.services import Services


def _services() -> Services:
    return prepare(log_level="WARNING")


@click.group("campaign")
def campaign() -> None:
    """Campaigns: content for an audience, delivered durably at the platforms' rates."""


@campaign.command("create")
@click.option("--name", required=True)
@click.option("--content", "content_ids", type=int, multiple=True, required=True)
@click.option(
    "--audience",
    "selectors",
    multiple=True,
    help="all, department:KEY, location:NAME, role:NAME, person:EMAIL (OR-ed)",
)
@click.option("--at", "start_at", default=None, help="ISO-8601 start (UTC when no offset)")
@click.option("--message", default="")
@click.option("--purpose", default="")
@click.option("--pilot", "pilot", multiple=True, help="selectors of a pilot wave sent first")
@click.option(
    "--kpi", "kpis", multiple=True, help="a target, NAME=NUMBER: " + ", ".join(ledger.KPIS)
)
@click.option(
    "--rest-after",
    type=int,
    default=None,
    help="minutes after the pilot before the rest (else: campaign approve ID)",
)
def create_command(
    name: str, content_ids: tuple[int, ...], selectors: tuple[str, ...], start_at: str | None,
    message: str, purpose: str, pilot: tuple[str, ...], kpis: tuple[str, ...],
    rest_after: int | None,
) -> None:  # fmt: skip
    """Create a campaign and print its id (with --at it starts by itself)."""
    services = _services()
    try:
        moment = _moment(start_at) if start_at else None
        targets = ledger.parse_kpis(kpis)
        created = ledger.create(
            services.engine,
            services.settings.config,
            ledger.NewCampaign(
                name=name, content_ids=content_ids, audience=selectors, message=message,
                start_at=moment, purpose=purpose, pilot=pilot, rest_after_minutes=rest_after,
                kpis=targets,
            ),
        )  # fmt: skip
    except (ledger.CampaignError, ValueError) as exc:
        raise click.ClickException(f"nothing stored: {exc}") from exc
    click.echo(created.id)


@campaign.command("send")
@click.argument("campaign_id", type=int)
@click.option("--wait", is_flag=True, help="show progress until nothing is pending")
def send_command(campaign_id: int, wait: bool) -> None:
    """Write the delivery ledger for the audience; the workers send."""
    services = _services()
    try:
        settings = campaign_settings(services.settings.config)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from exc
    platforms = sorted(services.outbound.senders)
    sizes = ledger.start(services.engine, campaign_id, platforms, settings)
    if sizes is None:
        found = ledger.get(services.engine, campaign_id)
        if found is None:
            raise click.ClickException(f"no campaign {campaign_id}")
        raise click.ClickException(f"campaign {campaign_id} is {found.status}, not sent again")
    per = ", ".join(f"{platform or 'unreachable'}: {n}" for platform, n in sorted(sizes.items()))
    click.echo(f"campaign {campaign_id}: {sum(sizes.values())} recipients ({per})")
    if wait:
        _wait(services, campaign_id)


def _wait(services: Services, campaign_id: int) -> None:
    counts = ledger.counts(services.engine, campaign_id)
    with click.progressbar(length=counts["total"], label="delivering") as bar:
        done = 0
        while True:
            counts = ledger.counts(services.engine, campaign_id)
            finished = counts["total"] - counts["pending"]
            bar.update(finished - done)
            done = finished
            if counts["pending"] == 0:
                break
            time.sleep(0.5)
    click.echo(f"sent {counts['sent']}, failed {counts['failed']}")


@campaign.command("status")
@click.argument("campaign_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def status_command(campaign_id: int, as_json: bool) -> None:
    """Progress: total, sent, failed, pending (and per platform)."""
    services = _services()
    found = ledger.get(services.engine, campaign_id)
    if found is None:
        raise click.ClickException(f"no campaign {campaign_id}")
    counts = {"id": campaign_id, "name": found.name, "status": found.status,
              **ledger.counts(services.engine, campaign_id)}  # fmt: skip
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False))
        return
    click.echo(
        f"{found.name} [{found.status}]: total {counts['total']}, sent {counts['sent']}, "
        f"failed {counts['failed']}, pending {counts['pending']}"
    )


@campaign.command("cancel")
@click.argument("campaign_id", type=int)
def cancel_command(campaign_id: int) -> None:
    """Stop further sends (messages in flight finish)."""
    services = _services()
    if not ledger.cancel(services.engine, campaign_id):
        raise click.ClickException(f"no campaign {campaign_id} to cancel")
    click.echo(f"cancelled {campaign_id}")


@campaign.command("replay")
@click.argument("campaign_id", type=int)
def replay_command(campaign_id: int) -> None:
    """Send the failed deliveries (dead letters) again."""
    click.echo(f"requeued {ledger.replay(_services().engine, campaign_id)}")


@campaign.command("approve")
@click.argument("campaign_id", type=int)
def approve_command(campaign_id: int) -> None:
    """The pilot went well: send to the rest of the audience."""
    services = _services()
    settings = campaign_settings(services.settings.config)
    click.echo(f"released {ledger.release_rest(services.engine, campaign_id, settings)}")


@campaign.command("list")
def list_command() -> None:
    """The latest campaigns."""
    for found in ledger.list_campaigns(_services().engine):
        click.echo(f"{found.id}\t{found.status}\t{found.name}")


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def register(group: click.Group) -> None:
    group.add_command(campaign)
