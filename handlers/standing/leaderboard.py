"""``leaderboard [department] [7|30|90]``, ``leaderboard hide|show``.

Anyone may leave the leaderboards: they are then never listed, other people's ranks skip
them, and they still see their own points with ``stats``. Leaders are starred: leadership
sharing first is the first lever of advocacy.
"""

from __future__ import annotations

from typing import Literal

from bot.context import Context
from bot.events import Action, Command
from bot.i18n import N_
from bot.replies import Answer, Button, Card, ReplaceCard
from bot.roles import EMPLOYEE, LEADER
from bot.router import Router
from bot.text import fold_variants
from handlers.standing.labels import department_name
from handlers.standing.periods import DEFAULT_PERIOD, parse_period, period_label, since
from storage import standing
from storage.people import Person, utcnow

router = Router()
VIEW_ACTION = "leaderboard.view"
VISIBILITY_ACTION = "leaderboard.visibility"
TOP = 10
Scope = Literal["company", "department"]
WORDS: dict[str, str] = {
    "company": "company",
    "şirket": "company",
    "department": "department",
    "departman": "department",
    "bölüm": "department",
    "hide": "hide",
    "gizle": "hide",
    "show": "show",
    "göster": "show",
}


@router.command(
    "leaderboard",
    summary=N_("the top 10 by points, in the company or your department; hide or show yourself"),
    usage=N_("[department] [7|30|90] | hide | show"),
    role=EMPLOYEE,
    aliases=("sıralama",),
)
async def leaderboard_command(ctx: Context, command: Command) -> None:
    person = ctx.person
    if person is None:
        return
    scope: Scope = "company"
    days: int | None = DEFAULT_PERIOD
    words = [_word(arg) for arg in command.args]
    if words in (["hide"], ["show"]):
        await ctx.reply(set_visibility(ctx, person, words[0] == "hide"))
        return
    for word in words:
        if word == "department":
            scope = "department"
        elif word != "company":
            days = parse_period(word)
    if days is None or len(words) > 2 or "hide" in words or "show" in words:
        await ctx.reply(
            ctx.t(
                "Type “leaderboard” for the company, “leaderboard department” for your "
                "department, optionally with 7, 30 or 90 days; “leaderboard hide” to leave "
                "the leaderboards and “leaderboard show” to come back."
            )
        )
        return
    await ctx.reply(board_card(ctx, person, scope, days, person.leaderboard_hidden))


@router.action(VIEW_ACTION, role=EMPLOYEE)
async def view_button(ctx: Context, action: Action) -> Answer:
    if ctx.person is None:
        return None
    scope_word, _, days_word = action.value.partition(":")
    scope: Scope = "department" if scope_word == "department" else "company"
    days = parse_period(days_word) or DEFAULT_PERIOD
    return ReplaceCard(board_card(ctx, ctx.person, scope, days, ctx.person.leaderboard_hidden))


@router.action(VISIBILITY_ACTION, role=EMPLOYEE)
async def visibility_button(ctx: Context, action: Action) -> Answer:
    if ctx.person is None or action.value not in ("hide", "show"):
        await ctx.reply(ctx.t("That button no longer works. Type help to start again."))
        return None
    hidden = action.value == "hide"
    set_visibility(ctx, ctx.person, hidden)  # the new board says what changed
    return ReplaceCard(board_card(ctx, ctx.person, "company", DEFAULT_PERIOD, hidden))


def set_visibility(ctx: Context, person: Person, hidden: bool) -> str:
    with ctx.db() as session:
        stored = session.get(Person, person.id)
        if stored is not None and stored.leaderboard_hidden != hidden:
            stored.leaderboard_hidden = hidden
            stored.updated_at = utcnow()
            session.add(stored)
    if hidden:
        return ctx.t(
            "Done: you have left the leaderboards. Nobody sees your name or rank there, and "
            "you still see your own points with “stats”. Type “leaderboard show” to come back."
        )
    return ctx.t("Welcome back: you are on the leaderboards again.")


def board_card(ctx: Context, person: Person, scope: Scope, days: int, hidden: bool) -> Card:
    assert person.id is not None
    if scope == "department" and not person.department:
        return Card(
            title=ctx.t("No department leaderboard"),
            body=ctx.t("The directory has no department for you. Ask HR to add it."),
            buttons=(Button(ctx.t("Company"), VIEW_ACTION, f"company:{days}"),),
        )
    department = person.department if scope == "department" else None
    start = since(days)
    with ctx.db() as session:
        rows = standing.top(session, start, department, TOP)
        points = standing.points_of(session, person.id, start)
        mine = standing.position(session, points, start, department)
    lines = [
        ctx.t(
            "{rank}. {star}{name} — {points}",
            rank=row.rank,
            star="★ " if LEADER in row.roles else "",
            name=_name(ctx, row, person.id),
            points=_points(ctx, row.points),
        )
        for row in rows
    ]
    notes = []
    if any(LEADER in row.roles for row in rows):
        notes.append(ctx.t("★ marks our leaders."))
    if hidden:
        notes.append(
            ctx.t(
                "You have left the leaderboards: only you see your points, with “stats”. Type "
                "“leaderboard show” to come back."
            )
        )
    elif points == 0:
        notes.append(ctx.t("You have no points in this period yet."))
    elif all(row.person_id != person.id for row in rows):
        notes.append(
            ctx.t(
                "You: {rank} of {ranked}, {points}.",
                rank=mine.rank,
                ranked=mine.ranked,
                points=_points(ctx, points),
            )
        )
    where = department_name(ctx, department) if department else ctx.t("the company")
    other: tuple[str, str] = (
        (ctx.t("Company"), f"company:{days}")
        if department
        else (ctx.t("My department"), f"department:{days}")
    )
    visibility = (
        Button(ctx.t("Show me again"), VISIBILITY_ACTION, "show")
        if hidden
        else Button(ctx.t("Hide me"), VISIBILITY_ACTION, "hide")
    )
    return Card(
        title=ctx.t("Leaderboard: {where}, {period}", where=where, period=period_label(ctx, days)),
        body="\n".join(lines)
        or ctx.t("No points in this period yet. Share something to open the board!"),
        footer="\n".join(notes),
        buttons=(Button(other[0], VIEW_ACTION, other[1]), visibility),
    )


def _word(arg: str) -> str:
    for variant in fold_variants(arg):
        if variant in WORDS:
            return WORDS[variant]
    return arg


def _name(ctx: Context, row: standing.Ranked, me: int) -> str:
    return ctx.t("{name} (you)", name=row.name) if row.person_id == me else row.name


def _points(ctx: Context, points: int) -> str:
    return ctx.tn("{n} point", "{n} points", points)
