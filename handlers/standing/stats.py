"""``stats [7|30|90]``: my points, rank, shares by network and clicks on my links."""

from __future__ import annotations

from bot.context import Context
from bot.dashboard.signed import chart_url
from bot.events import Action, Command
from bot.i18n import N_
from bot.replies import Answer, Button, Card, Fact, ReplaceCard
from bot.roles import EMPLOYEE
from bot.router import Router
from handlers.standing.labels import department_name, network_name
from handlers.standing.periods import DEFAULT_PERIOD, PERIODS, parse_period, period_label, since
from storage import standing
from storage.people import Person

router = Router()
PERIOD_ACTION = "stats.period"


@router.command(
    "stats",
    summary=N_("your points, rank, shares and clicks"),
    usage=N_("[7|30|90]"),
    role=EMPLOYEE,
    aliases=("istatistik",),
)
async def stats_command(ctx: Context, command: Command) -> None:
    days = parse_period(command.args[0]) if command.args else DEFAULT_PERIOD
    if days is None or len(command.args) > 1:
        await ctx.reply(
            ctx.t(
                "Type “stats” for the last 30 days, or “stats 7”, “stats 30” or “stats 90” "
                "for another period."
            )
        )
        return
    if ctx.person is not None:
        await ctx.reply(stats_card(ctx, ctx.person, days))


@router.action(PERIOD_ACTION, role=EMPLOYEE)
async def period_button(ctx: Context, action: Action) -> Answer:
    days = parse_period(action.value) or DEFAULT_PERIOD
    return ReplaceCard(stats_card(ctx, ctx.person, days)) if ctx.person else None


def stats_card(ctx: Context, person: Person, days: int) -> Card:
    assert person.id is not None
    start = since(days)
    networks = ctx.services.settings.config.raw.get("content", {}).get("networks") or []
    with ctx.db() as session:
        points = standing.points_of(session, person.id, start)
        total = standing.points_of(session, person.id)
        shares = standing.shares_by_network(session, person.id, start)
        clicks = standing.human_clicks(session, person.id, start)
        company = standing.position(session, points, start)
        department = (
            standing.position(session, points, start, person.department)
            if person.department
            else None
        )
    facts = [
        Fact(
            ctx.t("Points"),
            ctx.t("{points} in this period · {total} in all", points=points, total=total),
        ),
    ]
    footer = ""
    if person.leaderboard_hidden:
        footer = ctx.t(
            "You have left the leaderboards, so you are not ranked. Type “leaderboard show” "
            "to come back."
        )
    elif points > 0:
        facts.append(Fact(ctx.t("Rank in the company"), _rank(ctx, company)))
        if department is not None:
            name = department_name(ctx, person.department or "")
            facts.append(
                Fact(ctx.t("Rank in {department}", department=name), _rank(ctx, department))
            )
    else:
        footer = ctx.t("No points in this period yet, so no rank. Share something to get one!")
    ordered = [n for n in networks if n in shares] + sorted(set(shares) - set(networks))
    facts.append(
        Fact(
            ctx.t("Shares"),
            " · ".join(f"{network_name(n)} {shares[n]}" for n in ordered) or ctx.t("none yet"),
        )
    )
    facts.append(Fact(ctx.t("Clicks on your links"), str(clicks)))
    buttons = tuple(
        Button(ctx.tn("{n} day", "{n} days", period), PERIOD_ACTION, str(period))
        for period in PERIODS
        if period != days
    )
    return Card(
        title=ctx.t("Your impact, {period}", period=period_label(ctx, days)),
        facts=tuple(facts),
        footer=footer,
        buttons=buttons,
        image_url=chart_url(
            ctx.services.engine,
            ctx.services.settings.public_url,
            f"me-{person.id}-{days}",
            ctx.locale,
        ),
    )


def _rank(ctx: Context, where: standing.Position) -> str:
    return ctx.t("{rank} of {ranked}", rank=where.rank, ranked=where.ranked)
