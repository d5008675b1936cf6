"""The department's side: claim, reply, resolve, reassign; and ``requests`` to see them."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.events import Action, Command, FormSubmit
from bot.i18n import N_
from bot.points import points_for
from bot.replies import Answer, Card, Fact, Form, FormField, ReplaceCard
from bot.roles import EMPLOYEE, HR, allows
from bot.router import Router
from bot.routing import Desk
from handlers.routing.cards import (
    CLAIM,
    MOVE,
    NONE,
    REASSIGN,
    REPLY,
    RESOLVE,
    all_desks_card,
    desk_name,
    queue_card,
    resolved_card,
)
from handlers.routing.desks import CardFor, desks_of, is_agent, notify_all, to_queue, vocabulary
from storage.people import Person
from storage.points import award
from storage.requests import (
    ACTIVE,
    OPEN,
    SupportRequest,
    add_reply,
    claim,
    mine,
    queue,
    resolve,
    route_to,
    stats,
)

router = Router()
REPLY_FORM = "routing.reply"


async def _for_agent(ctx: Context, value: str) -> tuple[SupportRequest, Desk] | None:
    """The active request ``value`` names, if the person is an agent of its department."""
    request_id = int(value) if value.isdigit() else None
    with ctx.db() as session:
        request = session.get(SupportRequest, request_id) if request_id else None
        if request is not None:
            session.expunge(request)
    desk = vocabulary(ctx).desk(request.department) if request else None
    if request is None or desk is None or request.status not in ACTIVE:
        await ctx.reply(ctx.t("That request is closed or no longer exists."))
        return None
    if not is_agent(ctx.person, desk):
        await ctx.reply(
            ctx.t("Only {department}'s agents can do that.", department=desk.name(ctx.locale))
        )
        return None
    return request, desk


async def _tell_requester(ctx: Context, request: SupportRequest, build: Any) -> None:
    with ctx.db() as session:
        requester = session.get(Person, request.requester_id)
    if requester is not None:
        await notify_all(ctx, [requester], lambda person: build(ctx.translator_for(person)))


@router.action(CLAIM, role=EMPLOYEE)
async def claim_button(ctx: Context, action: Action) -> Answer:
    found = await _for_agent(ctx, action.value)
    if found is None:
        return None
    request, desk = found
    assert ctx.person is not None and ctx.person.id is not None and request.id is not None
    with ctx.db() as session:
        taken = claim(session, request.id, ctx.person.id)
        request = session.get(SupportRequest, request.id)  # type: ignore[assignment]
        session.expunge(request)
    if not taken:
        await ctx.reply(ctx.t("Someone else has already claimed it."))
        return ReplaceCard(queue_card(ctx, ctx.tr, request))
    name = ctx.person.name
    await _tell_requester(
        ctx,
        request,
        lambda tr: tr.t(
            "{name} ({department}) is on your request #{id}.",
            name=name,
            department=desk.name(tr.locale),
            id=request.id,
        ),
    )
    return ReplaceCard(queue_card(ctx, ctx.tr, request))


@router.action(REPLY, role=EMPLOYEE)
async def reply_button(ctx: Context, action: Action) -> Answer:
    found = await _for_agent(ctx, action.value)
    if found is not None:
        await ctx.open_form(REPLY_FORM, {"request": found[0].id})
    return None


def build_reply_form(ctx: Context, state: dict[str, Any]) -> Form:
    return Form(
        form_id=REPLY_FORM,
        title=ctx.t("Reply to request #{id}", id=state.get("request", "?")),
        fields=(
            FormField("text", ctx.t("Your answer"), "multiline", required=True, max_length=3000),
        ),
        submit_label=ctx.t("Send"),
        cancel_label=ctx.t("Cancel"),
        state=dict(state),
    )


@router.form(REPLY_FORM, build=build_reply_form, role=EMPLOYEE)
async def reply_submitted(ctx: Context, submit: FormSubmit) -> Answer:
    found = await _for_agent(ctx, str(submit.state.get("request", "")))
    if found is None:
        return None
    request, desk = found
    assert ctx.person is not None and ctx.person.id is not None
    text = str(submit.values.get("text", ""))
    with ctx.db() as session:
        row = session.get(SupportRequest, request.id)
        assert row is not None
        add_reply(session, row, ctx.person.id, text)
        if row.status == OPEN:
            claim(session, row.id, ctx.person.id)  # type: ignore[arg-type]
    name = ctx.person.name
    await _tell_requester(
        ctx,
        request,
        lambda tr: Card(
            title=tr.t(
                "{name} ({department}) answered your request #{id}",
                name=name,
                department=desk.name(tr.locale),
                id=request.id,
            ),
            body=text,
            facts=(Fact(tr.t("You asked"), request.text),),
        ),
    )
    await ctx.reply(ctx.t("Sent to the requester."))
    return ReplaceCard(queue_card(ctx, ctx.tr, row))  # now with its first response time


@router.action(RESOLVE, role=EMPLOYEE)
async def resolve_button(ctx: Context, action: Action) -> Answer:
    found = await _for_agent(ctx, action.value)
    if found is None:
        return None
    request, _ = found
    assert ctx.person is not None and ctx.person.id is not None
    points = points_for(ctx.services.settings.config, "request_resolved")
    with ctx.db() as session:
        row = session.get(SupportRequest, request.id)
        assert row is not None
        resolve(session, row, ctx.person.id)
        award(session, row.assignee_id or ctx.person.id, "request_resolved", str(row.id), points)
        session.expunge(row)
    await _tell_requester(ctx, row, lambda tr: resolved_card(ctx, tr, row))
    return ReplaceCard(queue_card(ctx, ctx.tr, row))


@router.action(REASSIGN, role=EMPLOYEE)
async def reassign_button(ctx: Context, action: Action) -> Answer:
    found = await _for_agent(ctx, action.value)
    if found is None:
        return None
    request, desk = found
    assert request.id is not None
    title = ctx.t("Send request #{id} to which department?", id=request.id)
    return ReplaceCard(
        all_desks_card(ctx.tr, vocabulary(ctx).desks, title, MOVE, request.id, skip=desk.key)
    )


@router.action(MOVE, role=EMPLOYEE)
async def move_button(ctx: Context, action: Action) -> Answer:
    number, _, key = action.value.partition(":")
    found = await _for_agent(ctx, number)
    if found is None:
        return None
    request, desk = found
    target = vocabulary(ctx).desk(key)
    if key == NONE or target is None or target.key == desk.key:
        return ReplaceCard(queue_card(ctx, ctx.tr, request))
    with ctx.db() as session:
        row = session.get(SupportRequest, request.id)
        assert row is not None
        route_to(session, row, target.key, "reassigned")
        session.expunge(row)
    await _tell_requester(
        ctx,
        row,
        lambda tr: tr.t(
            "Your request #{id} was passed on to {department}.",
            id=row.id,
            department=target.name(tr.locale),
        ),
    )
    await to_queue(ctx, target, CardFor(ctx, queue_card, row))
    return ReplaceCard(
        Card(title=ctx.t("Passed on to {department}.", department=target.name(ctx.locale)))
    )


@router.command(
    "requests",
    summary=N_("your open requests; for agents, the department's queue"),
    usage=N_("requests [stats]"),
    role=EMPLOYEE,
    aliases=("talepler",),
)
async def requests_command(ctx: Context, command: Command) -> None:
    assert ctx.person is not None and ctx.person.id is not None
    if command.args[:1] in (("stats",), ("istatistik",)):
        await _stats(ctx)
        return
    desks = desks_of(ctx.person, vocabulary(ctx))
    with ctx.db() as session:
        own = mine(session, ctx.person.id)
        queued = queue(session, [desk.key for desk in desks]) if desks else []
        for row in (*own, *queued):
            session.expunge(row)
    if own:
        lines = [
            f"#{row.id} · {desk_name(ctx, ctx.tr, row.department)} · {row.text[:80]}" for row in own
        ]
        await ctx.reply(Card(title=ctx.t("Your open requests"), body="\n".join(lines)))
    elif not desks:
        await ctx.reply(ctx.t("You have no open requests. Type ask and your question to start."))
    if desks and not queued:
        await ctx.reply(ctx.t("Your department's queue is empty."))
    for row in queued:
        await ctx.reply(queue_card(ctx, ctx.tr, row))


async def _stats(ctx: Context) -> None:
    if not allows(ctx.identity.roles, HR):
        await ctx.reply(ctx.t("Request statistics are for HR."))
        return
    with ctx.db() as session:
        rows = stats(session)
    if not rows:
        await ctx.reply(ctx.t("No requests have been routed yet."))
        return
    facts = tuple(
        Fact(
            desk_name(ctx, ctx.tr, row.department),
            ctx.t(
                "{received} received, {resolved} resolved; right department: {right} yes, "
                "{wrong} no; passed on: {reassigned}; misrouted: {rate}",
                received=row.received,
                resolved=row.resolved,
                right=row.right,
                wrong=row.wrong,
                reassigned=row.reassigned,
                rate="—" if row.misroute_rate is None else f"{row.misroute_rate:.0%}",
            ),
        )
        for row in rows
    )
    await ctx.reply(Card(title=ctx.t("Requests by department"), facts=facts))
