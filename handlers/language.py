"""``lang``: choose Turkish or English, whatever the platform's own setting says."""

from __future__ import annotations

from bot.context import Context
from bot.events import Command
from bot.i18n import N_, SUPPORTED
from bot.identity import set_language
from bot.router import Router

router = Router()
NAMES = {"tr": "Türkçe", "en": "English"}


@router.command("lang", summary=N_("choose your language"), usage=N_("tr|en"), aliases=("dil",))
async def choose_language(ctx: Context, command: Command) -> None:
    wanted = command.args[0].strip().lower() if command.args else ""
    if wanted not in SUPPORTED:
        await ctx.reply(
            ctx.t(
                "Your language is {name}. Type “lang tr” or “lang en” to change it.",
                name=NAMES[ctx.locale],
            )
        )
        return
    set_language(ctx.services.engine, ctx.identity, wanted)
    ctx.services.identities.forget(ctx.identity)
    chosen = ctx.services.catalogs.get(wanted)
    await ctx.reply(chosen.t("From now on I will speak {name} with you.", name=NAMES[wanted]))
