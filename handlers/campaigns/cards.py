"""The cards of the campaign commands: confirmation, progress, the list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.context import Context
from bot.delivery.settings import CampaignSettings
from bot.i18n import N_
from bot.replies import Button, Card, Fact
from storage.campaigns import Campaign

CONFIRM = "campaign.confirm"
DROP = "campaign.drop"
REFRESH = "campaign.refresh"

STATUS_NAMES = {
    "draft": N_("draft"),
    "scheduled": N_("scheduled"),
    "sending": N_("sending"),
    "done": N_("done"),
    "cancelled": N_("cancelled"),
}


def platform_name(ctx: Context, platform: str) -> str:
    names = {"slack": "Slack", "teams": "Microsoft Teams", "console": ctx.t("terminal")}
    return names.get(platform, ctx.t("not reachable"))


def seconds_for(sizes: dict[str, int], settings: CampaignSettings) -> float:
    """How long the sends take at the configured rates (platforms go side by side)."""
    longest = 0.0
    for platform, size in sizes.items():
        rate = settings.rate(platform)
        if platform and rate > 0:
            longest = max(longest, size / rate)
    return longest


def duration(ctx: Context, seconds: float) -> str:
    if seconds < 60:
        return ctx.t("under a minute")
    minutes = round(seconds / 60)
    if minutes < 60:
        return ctx.tn("about {n} minute", "about {n} minutes", minutes)
    hours = round(minutes / 60)
    return ctx.tn("about {n} hour", "about {n} hours", hours)


def confirm_card(
    ctx: Context, campaign: Campaign, sizes: dict[str, int], settings: CampaignSettings
) -> Card:
    facts = tuple(
        Fact(platform_name(ctx, platform), str(size)) for platform, size in sorted(sizes.items())
    )
    total = sum(sizes.values())
    return Card(
        title=ctx.t("Send “{name}”?", name=campaign.name),
        body=ctx.tn(
            "{n} person will get it, inside their working hours.",
            "{n} people will get it, inside their working hours.",
            total,
        ),
        facts=(
            *facts,
            Fact(ctx.t("Estimated duration"), duration(ctx, seconds_for(sizes, settings))),
        ),
        buttons=(
            Button(ctx.t("Send"), CONFIRM, str(campaign.id), style="primary"),
            Button(ctx.t("Not now"), DROP, str(campaign.id)),
        ),
    )


def status_card(
    ctx: Context, campaign: Campaign, counts: dict[str, Any], eta_seconds: float | None
) -> Card:
    facts = [
        Fact(ctx.t("Status"), ctx.t(STATUS_NAMES.get(campaign.status, campaign.status))),
        Fact(ctx.t("Recipients"), str(counts["total"])),
        Fact(ctx.t("Sent"), str(counts["sent"])),
        Fact(ctx.t("Failed"), str(counts["failed"])),
        Fact(ctx.t("Pending"), str(counts["pending"])),
    ]
    if counts["pending"] and eta_seconds is not None:
        facts.append(Fact(ctx.t("Time left"), duration(ctx, eta_seconds)))
    return Card(
        title=ctx.t("Campaign #{id}: {name}", id=campaign.id, name=campaign.name),
        facts=tuple(facts),
        buttons=(Button(ctx.t("Refresh"), REFRESH, str(campaign.id)),),
        footer=ctx.t("Updated {time} UTC", time=datetime.now(UTC).strftime("%H:%M:%S")),
    )


def list_card(ctx: Context, campaigns: list[Campaign]) -> Card:
    if not campaigns:
        return Card(
            title=ctx.t("Campaigns"), body=ctx.t("No campaigns yet. Start one with: campaign new")
        )
    lines = [
        f"#{found.id} {found.name} — {ctx.t(STATUS_NAMES.get(found.status, found.status))}"
        for found in campaigns
    ]
    return Card(title=ctx.t("Campaigns"), body="\n".join(lines))
