"""KPIs in chat for HR: ``stats campaign ID``, ``stats departments``, and ``dashboard``
for a one-time link to the browser dashboard.

``stats`` alone (everyone's own figures) lives in ``handlers.standing``; the two-word
sub-commands here declare the HR role themselves, so the router's one check applies.
Figures come from ``bot.kpis``; each card carries a signed, expiring chart image that
Elçi draws itself (``/charts/...``), since Slack and Teams fetch images without a session.
"""

from __future__ import annotations

import asyncio

from bot.context import Context
from bot.dashboard.auth import LINK_TTL, new_link
from bot.dashboard.signed import chart_url
from bot.dashboard.views import TARGET_LABELS, department_label, hours, percent
from bot.events import Command
from bot.i18n import N_
from bot.kpis.campaign import CampaignKpis, campaign_kpis
from bot.kpis.directory import advocacy_by
from bot.kpis.earned_media import earned_media_settings
from bot.kpis.engagement import Group
from bot.replies import Card, Fact, LinkButton
from bot.roles import HR
from bot.router import Router

router = Router()


@router.command(
    "stats campaign",
    summary=N_("a campaign's reach, shares, clicks and targets, with a chart"),
    usage=N_("ID"),
    role=HR,
    aliases=("istatistik kampanya",),
)
async def campaign_stats(ctx: Context, command: Command) -> None:
    wanted = command.args[0].lstrip("#") if len(command.args) == 1 else ""
    if not wanted.isdigit() or len(wanted) > 12:
        await ctx.reply(
            ctx.t("Type “stats campaign” and the campaign's number, e.g. “stats campaign 3”.")
        )
        return
    engine, config = ctx.services.engine, ctx.services.settings.config
    kpis = await asyncio.to_thread(
        campaign_kpis, engine, int(wanted), earned_media_settings(config)
    )
    if kpis is None:
        await ctx.reply(
            ctx.t("There is no campaign #{id}. Type “campaign list” to see them.", id=wanted)
        )
        return
    await ctx.reply(_campaign_card(ctx, kpis))


def _campaign_card(ctx: Context, kpis: CampaignKpis) -> Card:
    totals = kpis.totals
    facts = [
        Fact(ctx.t("Reach"), str(totals.recipients)),
        Fact(
            ctx.t("Participation"),
            ctx.t(
                "{rate} ({sharers} of {recipients} shared)",
                rate=percent(totals.participation_rate),
                sharers=totals.sharers,
                recipients=totals.recipients,
            ),
        ),
        Fact(ctx.t("Shares"), str(totals.shares)),
        Fact(
            ctx.t("Human clicks"),
            ctx.t(
                "{clicks} from {clickers} people",
                clicks=totals.human_clicks,
                clickers=kpis.unique_clickers,
            ),
        ),
        Fact(ctx.t("Median time to first share (hours)"), hours(totals.first_share_median_hours)),
        Fact(ctx.t("Earned media value"), f"{kpis.earned_media:,.0f} {kpis.currency}"),
    ]
    targets = [
        ctx.t(
            "{name}: {percent} of the target",
            name=ctx.t(TARGET_LABELS.get(target.name, target.name)),
            percent=percent(target.progress),
        )
        + (" ✓" if target.met else "")
        for target in kpis.targets
    ]
    return Card(
        title=ctx.t("Campaign #{id}: {name}", id=kpis.campaign_id, name=kpis.name),
        body="\n".join(targets),
        facts=tuple(facts),
        image_url=_chart(ctx, f"campaign-{kpis.campaign_id}"),
        buttons=_dashboard_button(ctx, f"/admin/campaigns/{kpis.campaign_id}"),
    )


@router.command(
    "stats departments",
    summary=N_("participation by department, with a chart"),
    role=HR,
    aliases=("istatistik departmanlar",),
)
async def department_stats(ctx: Context, command: Command) -> None:
    groups = await asyncio.to_thread(advocacy_by, ctx.services.engine, "department")
    if not groups:
        await ctx.reply(ctx.t("Nobody in the directory has a department yet."))
        return
    await ctx.reply(
        Card(
            title=ctx.t("Advocacy by department"),
            body="\n".join(_department_line(ctx, group) for group in groups),
            image_url=_chart(ctx, "departments"),
            footer=ctx.t("Departments with fewer than 5 people are hidden, to protect privacy."),
            buttons=_dashboard_button(ctx, "/admin/departments"),
        )
    )


def _department_line(ctx: Context, group: Group) -> str:
    config = ctx.services.settings.config
    name = department_label(config, group.key, ctx.locale, ctx.tr)
    if group.engagement is None:
        return ctx.t("{department}: hidden (fewer than 5 people)", department=name)
    e = group.engagement
    return ctx.t(
        "{department}: {rate} took part ({sharers} of {people}), {shares} shares, "
        "{clicks} human clicks",
        department=name,
        rate=percent(e.participation_rate),
        sharers=e.sharers,
        people=e.recipients,
        shares=e.shares,
        clicks=e.human_clicks,
    )


@router.command(
    "dashboard",
    summary=N_("a one-time link to the KPI dashboard in your browser"),
    role=HR,
    aliases=("panel",),
)
async def dashboard_link(ctx: Context, command: Command) -> None:
    assert ctx.person is not None and ctx.person.id is not None
    url = await asyncio.to_thread(
        new_link, ctx.services.engine, ctx.person.id, ctx.services.settings.public_url
    )
    minutes = int(LINK_TTL.total_seconds() // 60)
    await ctx.reply(
        Card(
            title=ctx.t("Your dashboard link"),
            body=ctx.tn(
                "It works once, within {n} minute. Do not forward it.",
                "It works once, within {n} minutes. Do not forward it.",
                minutes,
            ),
            buttons=(LinkButton(ctx.t("Open the dashboard"), url),),
        )
    )


def _chart(ctx: Context, name: str) -> str:
    return chart_url(ctx.services.engine, ctx.services.settings.public_url, name, ctx.locale)


def _dashboard_button(ctx: Context, path: str) -> tuple[LinkButton, ...]:
    """A link to the page (it asks for a sign-in when there is no session yet)."""
    base = ctx.services.settings.public_url.rstrip("/")
    return (LinkButton(ctx.t("Open in the dashboard"), f"{base}{path}?lang={ctx.locale}"),)
