"""``policy``: read the social media policy and acknowledge it; ``policy status`` for HR.

An acknowledgement is for one version: the button carries the version the person read,
so a card left open while the policy changed cannot acknowledge the new text unread.
"""

from __future__ import annotations

from dataclasses import replace

from bot.context import Context
from bot.events import Action, Command
from bot.i18n import N_
from bot.points import points_for
from bot.replies import Answer, Button, Card, Fact
from bot.roles import EMPLOYEE, HR, role_label
from bot.router import Router
from handlers.policy.config import Policy, policy_of
from handlers.policy.gate import ACKNOWLEDGE, SHOW_POLICY, START_TRAINING, Readiness, readiness
from handlers.policy.status import status_card
from storage.points import award
from storage.policy import acknowledge

router = Router()
STATUS_WORDS = ("status", "durum")


@router.command(
    "policy",
    summary=N_("read the social media policy and acknowledge it"),
    usage=N_("[status]"),
    role=EMPLOYEE,
    aliases=("politika",),
)
async def policy_command(ctx: Context, command: Command) -> None:
    wanted = command.args[0].strip().lower() if command.args else ""
    if wanted in STATUS_WORDS:
        if HR not in ctx.identity.roles:
            await ctx.reply(
                ctx.t("Only people with the {role} role can do that.", role=role_label(ctx.tr, HR))
            )
            return
        await ctx.reply(status_card(ctx))
        return
    if wanted:
        await ctx.reply(
            ctx.t(
                "Type “policy” to read the social media policy, or “policy status” to see "
                "who has acknowledged it (HR)."
            )
        )
        return
    await show(ctx)


@router.action(SHOW_POLICY, role=EMPLOYEE)
async def show_button(ctx: Context, action: Action) -> Answer:
    await show(ctx)
    return None


@router.action(ACKNOWLEDGE, role=EMPLOYEE)
async def acknowledge_button(ctx: Context, action: Action) -> Answer:
    policy = policy_of(ctx.services.settings.config)
    person_id = ctx.person.id if ctx.person else None
    if not policy.exists or person_id is None:
        await ctx.reply(ctx.t("There is no social media policy to acknowledge."))
        return None
    if action.value != policy.version:
        await ctx.reply(
            ctx.t(
                "The policy has changed since that message. Here is the current version: "
                "please read it before you acknowledge it."
            )
        )
        await show(ctx)
        return None
    points = points_for(ctx.services.settings.config, "policy_acknowledged")
    with ctx.db() as session:
        new = acknowledge(session, person_id, policy.version)
        earned = new and award(
            session, person_id, "policy_acknowledged", f"{person_id}:{policy.version}", points
        )
        state = readiness(session, person_id, policy)
    card = policy_card(ctx, policy, state)
    notes = [card.footer]
    if earned:
        notes.append(
            ctx.tn("Thank you! You earned {n} point.", "Thank you! You earned {n} points.", points)
        )
    if not state.trained:
        notes.append(ctx.t("One more step: take the short training."))
    elif policy.required:
        notes.append(ctx.t("You are all set to share."))
    await ctx.update(replace(card, footer="\n".join(notes)))
    return None


async def show(ctx: Context) -> None:
    policy = policy_of(ctx.services.settings.config)
    person_id = ctx.person.id if ctx.person else None
    if not policy.exists or person_id is None:
        await ctx.reply(ctx.t("There is no social media policy to read yet."))
        return
    with ctx.db() as session:
        state = readiness(session, person_id, policy)
    await ctx.reply(policy_card(ctx, policy, state))


def policy_card(ctx: Context, policy: Policy, state: Readiness) -> Card:
    if state.acknowledged_at is not None:
        footer = ctx.t(
            "You acknowledged this version on {date}.",
            date=state.acknowledged_at.date().isoformat(),
        )
        buttons: tuple[Button, ...] = ()
    else:
        footer = ctx.t("Please read it, then press “Acknowledge” to confirm you will follow it.")
        buttons = (Button(ctx.t("Acknowledge"), ACKNOWLEDGE, policy.version, "primary"),)
    if policy.training is not None and not state.trained:
        buttons += (Button(ctx.t("Take the training"), START_TRAINING),)
    return Card(
        title=ctx.t("Social media policy"),
        body=policy.text.get(ctx.locale),
        facts=(Fact(ctx.t("Version"), policy.version),),
        footer=footer,
        buttons=buttons,
    )
