"""The router both platforms' form-origin tests drive: a card with a Decide button whose
form's answer replaces that card, and a command that opens the same form from nowhere."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_
from bot.replies import Button, Card, Form, FormField, ReplaceCard
from bot.router import Router


def decide_router(received: list[dict[str, Any]]) -> Router:
    """``received`` collects each submitted form's state, to show where it came from."""
    router = Router()

    def build(ctx, state) -> Form:
        return Form(
            "t.why",
            "Why?",
            fields=(FormField("why", "Why", required=True),),
            submit_label="Send",
            state=state,
        )

    @router.command("campaign", summary=N_("show this list"))
    async def campaign(ctx, command) -> None:
        await ctx.reply(Card("Draft 7", buttons=(Button("Decide", "t.decide", "7"),)))

    @router.command("why", summary=N_("show this list"))
    async def why(ctx, command) -> None:
        await ctx.open_form("t.why", {"n": "cmd"})

    @router.action("t.decide")
    async def decide(ctx, action):
        await ctx.open_form("t.why", {"n": action.value})
        return None

    @router.form("t.why", build=build)
    async def decided(ctx, submit):
        received.append(dict(submit.state))
        return ReplaceCard(Card(f"Decided {submit.state['n']}: {submit.values['why']}"))

    return router
