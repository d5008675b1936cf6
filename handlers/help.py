"""Help, generated from what is registered, and the welcome when the bot is installed.

Help lists only what this person may do, so it is also the honest answer to "what can I
do here?" for someone the directory does not know yet.
"""

from __future__ import annotations

from bot.context import Context
from bot.events import Action, Command, HomeOpened, Installed
from bot.i18n import N_
from bot.replies import Answer, Button, Card
from bot.roles import allows
from bot.router import Router

router = Router()


def help_card(ctx: Context) -> Card:
    specs = sorted(ctx.services.router.commands.values(), key=lambda spec: spec.verb)
    lines = []
    for spec in specs:
        if not allows(ctx.identity.roles, spec.role):
            continue
        usage = f" {ctx.t(spec.usage)}" if spec.usage else ""
        lines.append(f"{spec.verb}{usage} — {ctx.t(spec.summary)}")
    footer = ""
    if ctx.person is None:
        footer = ctx.t(
            "You are not in the Elçi directory yet, so only these commands are open to you. "
            "Ask HR to add you."
        )
    return Card(title=ctx.t("What I can do"), body="\n".join(lines), footer=footer)


@router.command("help", summary=N_("show this list"), aliases=("yardım", "?"))
async def show_help(ctx: Context, command: Command) -> None:
    await ctx.reply(help_card(ctx))


@router.action("help.show")
async def help_button(ctx: Context, action: Action) -> Answer:
    await ctx.reply(help_card(ctx))
    return None


@router.on_install
async def welcome(ctx: Context, event: Installed) -> None:
    name = ctx.person.name if ctx.person else ""
    card = Card(
        title=ctx.t("Welcome to Elçi, {name}!", name=name) if name else ctx.t("Welcome to Elçi!"),
        body=ctx.t(
            "I bring you news worth sharing, take your blog drafts to review, pass your "
            "questions to the right department and keep you posted."
        ),
        buttons=(Button(ctx.t("Show what I can do"), "help.show", style="primary"),),
    )
    await ctx.reply(card)


@router.on_home
async def home_greeting(ctx: Context, event: HomeOpened) -> None:
    name = ctx.person.name if ctx.person else ""
    title = ctx.t("Welcome to Elçi, {name}!", name=name) if name else ctx.t("Welcome to Elçi!")
    await ctx.reply(
        help_card(ctx)
        if ctx.person is None
        else Card(title=title, buttons=(Button(ctx.t("Show what I can do"), "help.show"),))
    )
