"""``ask [department] TEXT``: store the request, route it (or let the requester choose),
and send it to the department's queue."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.events import Action, Command, FormSubmit
from bot.i18n import N_
from bot.replies import Answer, Card, Form, FormField, Option, ReplaceCard
from bot.roles import EMPLOYEE
from bot.router import Router
from bot.routing import Desk, classifier_for
from bot.routing.names import split_named
from handlers.routing.cards import (
    CHOOSE,
    FEEDBACK,
    NONE,
    all_desks_card,
    choice_card,
    queue_card,
    sent_card,
)
from handlers.routing.desks import CardFor, to_queue, vocabulary
from storage.requests import (
    CHOOSING,
    DROPPED,
    RESOLVED,
    SupportRequest,
    add_request,
    record_feedback,
    route_to,
)

router = Router()
ASK_FORM = "routing.ask"
MAX_TEXT = 2000


@router.command(
    "ask",
    summary=N_("ask a department for help; I find the right one"),
    usage=N_("ask [department] TEXT"),
    role=EMPLOYEE,
    aliases=("sor",),
)
async def ask(ctx: Context, command: Command) -> None:
    words = list(command.args)
    if not words:
        await ctx.open_form(ASK_FORM)
        return
    desk, text = split_named(words, vocabulary(ctx).desks)
    await take(ctx, text[:MAX_TEXT], desk)


def build_ask_form(ctx: Context, state: dict[str, Any]) -> Form:
    desks = vocabulary(ctx).desks
    return Form(
        form_id=ASK_FORM,
        title=ctx.t("Ask a department"),
        fields=(
            FormField(
                "text", ctx.t("Your request"), "multiline", required=True, max_length=MAX_TEXT
            ),
            FormField(
                "department",
                ctx.t("Department (leave empty and I will find it)"),
                "select",
                options=tuple(Option(desk.key, desk.name(ctx.locale)) for desk in desks),
            ),
        ),
        submit_label=ctx.t("Send"),
        cancel_label=ctx.t("Cancel"),
    )


@router.form(ASK_FORM, build=build_ask_form, role=EMPLOYEE)
async def ask_submitted(ctx: Context, submit: FormSubmit) -> Answer:
    desk = vocabulary(ctx).desk(submit.values.get("department"))
    await take(ctx, str(submit.values.get("text") or ""), desk)
    return None


async def take(ctx: Context, text: str, desk: Desk | None) -> None:
    """Store first, so nothing is lost; then route by name, by the classifier, or ask."""
    assert ctx.person is not None and ctx.person.id is not None
    if not text.strip():
        await ctx.reply(ctx.t("Tell me what you need, for example: ask my laptop will not start"))
        return
    with ctx.db() as session:
        request = add_request(session, ctx.person.id, text.strip())
        request_id = request.id
    if desk is not None:
        await send(ctx, request_id, desk.key, "named")
        return
    routing = classifier_for(ctx.services).classify(text)
    with ctx.db() as session:
        request = _get(session, request_id)
        request.confidence = routing.confidence
        request.terms = list(routing.terms)
        request.suggestions = [key for key, _ in routing.ranking]
        if routing.verdict in ("small_talk", "nonsense"):
            request.status = DROPPED
        session.add(request)
    if routing.verdict == "routed" and routing.department:
        await send(ctx, request_id, routing.department, "auto")
    elif routing.verdict == "unsure":
        with ctx.db() as session:
            await ctx.reply(choice_card(ctx, ctx.tr, _get(session, request_id)))
    else:
        await ctx.reply(
            ctx.t(
                "Happy to chat, but I did not find a request for a department in that. "
                "Tell me what you need (ask my payslip is wrong), or name the department "
                "(ask hr …). Type help to see what I can do."
            )
        )


async def send(ctx: Context, request_id: int | None, key: str, how: str) -> None:
    """Into the queue: the requester learns where and why, the department gets the card."""
    desk = vocabulary(ctx).desk(key)
    assert desk is not None
    with ctx.db() as session:
        request = _get(session, request_id)
        route_to(session, request, key, how)
        session.expunge(request)
    await ctx.reply(sent_card(ctx, ctx.tr, request))
    await to_queue(ctx, desk, CardFor(ctx, queue_card, request))


@router.action(CHOOSE, role=EMPLOYEE)
async def choose(ctx: Context, action: Action) -> Answer:
    request_id, key = _split(action.value)
    with ctx.db() as session:
        request = session.get(SupportRequest, request_id) if request_id else None
        mine = request is not None and ctx.person is not None
        mine = mine and request.requester_id == ctx.person.id  # type: ignore[union-attr]
        status = request.status if request else None
    if not mine or status != CHOOSING:
        await ctx.reply(ctx.t("That request is no longer waiting for a department."))
        return None
    vocab = vocabulary(ctx)
    assert request_id is not None
    if key == "":
        return ReplaceCard(
            all_desks_card(ctx.tr, vocab.desks, ctx.t("Which department?"), CHOOSE, request_id)
        )
    chosen = vocab.desk(key)
    if key == NONE or chosen is None:
        with ctx.db() as session:
            request = _get(session, request_id)
            request.status = DROPPED
            session.add(request)
        return ReplaceCard(Card(title=ctx.t("Not sent. Ask again whenever you like.")))
    await send(ctx, request_id, key, "chosen")
    return ReplaceCard(
        Card(title=ctx.t("Sent to {department}.", department=chosen.name(ctx.locale)))
    )


@router.action(FEEDBACK, role=EMPLOYEE)
async def feedback(ctx: Context, action: Action) -> Answer:
    request_id, answer = _split(action.value)
    with ctx.db() as session:
        request = session.get(SupportRequest, request_id) if request_id else None
        if (
            request is None
            or ctx.person is None
            or request.requester_id != ctx.person.id
            or request.status != RESOLVED
            or answer not in ("yes", "no")
        ):
            await ctx.reply(ctx.t("That question has expired."))
            return None
        record_feedback(session, request, answer == "yes")
    return ReplaceCard(Card(title=ctx.t("Thank you. This helps route the next requests better.")))


def _split(value: str) -> tuple[int | None, str]:
    number, _, rest = value.partition(":")
    return (int(number) if number.isdigit() else None), rest


def _get(session: Any, request_id: int | None) -> SupportRequest:
    request = session.get(SupportRequest, request_id)
    assert request is not None
    return request
