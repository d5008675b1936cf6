"""``campaign new|send|status|cancel|list`` for HR, and the buttons of their cards."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.audience import SelectorError
from bot.content import list_items
from bot.context import Context
from bot.delivery import ledger
from bot.delivery.settings import campaign_settings
from bot.events import Action, Command, FormSubmit
from bot.i18n import N_
from bot.kpis.campaign import campaign_kpis
from bot.kpis.earned_media import earned_media_settings
from bot.kpis.targets import TargetProgress
from bot.replies import Answer, FieldErrors, ReplaceCard, Text
from bot.roles import HR
from bot.router import Router
from handlers.campaigns import cards
from handlers.campaigns.form import FORM_ID, campaign_form, parse_targets, parse_values

router = Router()
USAGE = N_("new | send ID | status ID | approve ID | cancel ID | list")


@router.command("campaign", summary=N_("build and send a campaign to an audience"),
                usage=USAGE, role=HR, aliases=("kampanya",))  # fmt: skip
async def campaign(ctx: Context, command: Command) -> None:
    sub = command.args[0].lower() if command.args else ""
    wanted = command.args[1].lstrip("#") if len(command.args) > 1 else ""
    if sub in ("new", "yeni"):
        if not await asyncio.to_thread(list_items, ctx.services.engine):
            await ctx.reply(ctx.t("Add content first (content add): a campaign sends content."))
            return
        await ctx.open_form(FORM_ID)
        return
    if sub in ("list", "liste"):
        found = await asyncio.to_thread(ledger.list_campaigns, ctx.services.engine)
        await ctx.reply(cards.list_card(ctx, found))
        return
    handlers = {
        "send": _send, "gönder": _send, "status": _status, "durum": _status,
        "cancel": _cancel, "iptal": _cancel, "approve": _approve, "onayla": _approve,
    }  # fmt: skip
    if sub not in handlers or not wanted.isdigit():
        await ctx.reply(ctx.t("Use: campaign {usage}", usage=ctx.t(USAGE)))
        return
    await handlers[sub](ctx, int(wanted))


async def _found(ctx: Context, campaign_id: int) -> ledger.Campaign | None:
    found = await asyncio.to_thread(ledger.get, ctx.services.engine, campaign_id)
    if found is None:
        await ctx.reply(ctx.t("There is no campaign #{id}.", id=campaign_id))
    return found


async def _send(ctx: Context, campaign_id: int) -> None:
    found = await _found(ctx, campaign_id)
    if found is None:
        return
    if found.status not in ("draft", "scheduled"):
        await ctx.reply(ctx.t("Campaign #{id} has already been sent.", id=campaign_id))
        return
    sizes = await asyncio.to_thread(_sizes, ctx, found)
    await ctx.reply(
        cards.confirm_card(ctx, found, sizes, campaign_settings(ctx.services.settings.config))
    )


def _sizes(ctx: Context, found: ledger.Campaign) -> dict[str, int]:
    with ctx.db() as session:
        rows = ledger.plan(session, found, ctx.services.outbound.senders)
    sizes: dict[str, int] = {}
    for row in rows:
        sizes[row["platform"]] = sizes.get(row["platform"], 0) + 1
    return sizes


async def _status(ctx: Context, campaign_id: int) -> None:
    found = await _found(ctx, campaign_id)
    if found is not None:
        await ctx.reply(await _status_card(ctx, found))


async def _status_card(ctx: Context, found: ledger.Campaign) -> cards.Card:
    assert found.id is not None
    counts = await asyncio.to_thread(ledger.counts, ctx.services.engine, found.id)
    pending = {platform: slot["pending"] for platform, slot in counts["platforms"].items()}
    settings = campaign_settings(ctx.services.settings.config)
    eta = cards.seconds_for(pending, settings)
    targets: tuple[TargetProgress, ...] = ()
    if found.kpis:
        earned = earned_media_settings(ctx.services.settings.config)
        kpis = await asyncio.to_thread(campaign_kpis, ctx.services.engine, found.id, earned)
        targets = kpis.targets if kpis is not None else ()
    return cards.status_card(ctx, found, counts, eta, targets)


async def _cancel(ctx: Context, campaign_id: int) -> None:
    found = await _found(ctx, campaign_id)
    if found is None:
        return
    if found.status in ("done", "cancelled"):
        await ctx.reply(ctx.t("Campaign #{id} is over; nothing to cancel.", id=campaign_id))
        return
    await asyncio.to_thread(ledger.cancel, ctx.services.engine, campaign_id)
    await ctx.reply(ctx.t("Campaign #{id} is cancelled: nobody else will get it.", id=campaign_id))


async def _approve(ctx: Context, campaign_id: int) -> None:
    """The pilot went well: the rest of the audience follows."""
    found = await _found(ctx, campaign_id)
    if found is None:
        return
    settings = campaign_settings(ctx.services.settings.config)
    released = await asyncio.to_thread(
        ledger.release_rest, ctx.services.engine, campaign_id, settings
    )
    await ctx.reply(
        ctx.tn(
            "Approved: {n} more person will get campaign #{id}.",
            "Approved: {n} more people will get campaign #{id}.",
            released,
            id=campaign_id,
        )
    )


@router.action(cards.CONFIRM, role=HR)
async def confirm(ctx: Context, action: Action) -> Answer:
    campaign_id = int(action.value) if action.value.isdigit() else 0
    settings = campaign_settings(ctx.services.settings.config)
    platforms = sorted(ctx.services.outbound.senders)
    sizes = await asyncio.to_thread(
        ledger.start, ctx.services.engine, campaign_id, platforms, settings
    )
    found = await asyncio.to_thread(ledger.get, ctx.services.engine, campaign_id)
    if found is None:
        return None
    if sizes is None:
        await ctx.reply(ctx.t("Campaign #{id} has already been sent.", id=campaign_id))
        return None
    return ReplaceCard(await _status_card(ctx, found))


@router.action(cards.DROP, role=HR)
async def drop(ctx: Context, action: Action) -> Answer:
    return ReplaceCard(cards.Card(title=ctx.t("Not sent. Send it later with: campaign send {id}",
                                              id=action.value)))  # fmt: skip


@router.action(cards.REFRESH, role=HR)
async def refresh(ctx: Context, action: Action) -> Answer:
    campaign_id = int(action.value) if action.value.isdigit() else 0
    found = await asyncio.to_thread(ledger.get, ctx.services.engine, campaign_id)
    if found is None:
        return None
    return ReplaceCard(await _status_card(ctx, found))


@router.form(FORM_ID, build=campaign_form, role=HR)
async def submitted(ctx: Context, submit: FormSubmit) -> Answer:
    assert ctx.person is not None
    kpis, errors = parse_targets(ctx, submit.values)
    if errors:
        return _errors(ctx, submit, errors)
    try:
        new = parse_values(ctx, submit.values, kpis)
        created = await asyncio.to_thread(
            ledger.create, ctx.services.engine, ctx.services.settings.config, new
        )
    except SelectorError as exc:
        return _errors(ctx, submit, {"audience": exc.localized(ctx.tr)})
    except ledger.CampaignError as exc:
        return _errors(ctx, submit, {"content": str(exc)})
    except ValueError:
        return _errors(ctx, submit, {"start": ctx.t("Use a date and time like 2026-12-01 09:30.")})
    await ctx.reply(
        Text(ctx.t("Campaign #{id} “{name}” is ready. Send it with: campaign send {id}",
                   id=created.id, name=created.name))
    )  # fmt: skip
    return None


def _errors(ctx: Context, submit: FormSubmit, errors: dict[str, str]) -> FieldErrors:
    form = campaign_form(ctx, dict(submit.state))
    return FieldErrors(errors, replace(form, errors=errors, values=dict(submit.values)))
