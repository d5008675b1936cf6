"""The cards of the campaign commands: confirmation, progress, the list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.context import Context
from bot.delivery.settings import CampaignSettings
from bot.i18n import N_
from bot.kpis.targets import TargetProgress
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


TARGET_NAMES = {
    "shares": N_("Shares"),
    "human_clicks": N_("Human clicks"),
    "participation_rate": N_("Participation rate"),
    "time_to_first_share_hours": N_("Time to first share"),
}


def _figure(ctx: Context, name: str, value: float) -> str:
    if name == "participation_rate":
        return ctx.t("{n} %", n=f"{value * 100:.0f}")
    if name == "time_to_first_share_hours":
        return ctx.t("{hours} h", hours=f"{value:.1f}")
    return f"{value:.0f}"


def target_fact(ctx: Context, target: TargetProgress) -> Fact:
    """Current against target: "120 of 200 (60 %)", "✓ 3.5 h (target 24.0 h)"."""
    target_text = _figure(ctx, target.name, target.target)
    label = ctx.t(TARGET_NAMES.get(target.name, target.name))
    if target.actual is None:
        return Fact(label, ctx.t("none yet (target {target})", target=target_text))
    actual = _figure(ctx, target.name, target.actual)
    mark = "✓ " if target.met else ""
    if target.name == "time_to_first_share_hours":
        value = ctx.t("{actual} (target {target})", actual=actual, target=target_text)
    else:
        percent = ctx.t("{n} %", n=f"{target.progress * 100:.0f}")
        value = ctx.t("{actual} of {target} ({percent})", actual=actual, target=target_text,
                      percent=percent)  # fmt: skip
    return Fact(label, mark + value)


def status_card(
    ctx: Context,
    campaign: Campaign,
    counts: dict[str, Any],
    eta_seconds: float | None,
    targets: tuple[TargetProgress, ...] = (),
) -> Card:
    """Delivery progress, then each KPI target with the figure reached so far."""
    facts = [
        Fact(ctx.t("Status"), ctx.t(STATUS_NAMES.get(campaign.status, campaign.status))),
        Fact(ctx.t("Recipients"), str(counts["total"])),
        Fact(ctx.t("Sent"), str(counts["sent"])),
        Fact(ctx.t("Failed"), str(counts["failed"])),
        Fact(ctx.t("Pending"), str(counts["pending"])),
    ]
    if counts["pending"] and eta_seconds is not None:
        facts.append(Fact(ctx.t("Time left"), duration(ctx, eta_seconds)))
    facts += [target_fact(ctx, target) for target in targets]
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
