"""The cards of a request: the requester's, the queue's, the choice and the feedback."""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_timedelta

from bot.i18n import Translator
from bot.replies import Button, Card, Fact
from bot.routing import Desk
from handlers.routing.desks import Sendable, aware, vocabulary
from storage.people import Person, utcnow
from storage.requests import CLAIMED, OPEN, RESOLVED, SupportRequest

CHOOSE = "routing.choose"
CLAIM = "routing.claim"
REPLY = "routing.reply"
RESOLVE = "routing.resolve"
REASSIGN = "routing.reassign"
MOVE = "routing.move"
FEEDBACK = "routing.feedback"
NONE = "none"


def duration(tr: Translator, span: timedelta) -> str:
    return format_timedelta(span, threshold=1.5, locale=tr.locale)


def desk_name(ctx: Sendable, tr: Translator, key: str | None) -> str:
    desk = vocabulary(ctx).desk(key)
    return desk.name(tr.locale) if desk else (key or "—")


def _name(ctx: Sendable, person_id: int | None) -> str:
    if person_id is None:
        return "—"
    with ctx.db() as session:
        person = session.get(Person, person_id)
        return person.name if person else "—"


def sent_card(ctx: Sendable, tr: Translator, request: SupportRequest) -> Card:
    """For the requester: where it went, why, and what happens next."""
    desk = vocabulary(ctx).desk(request.department)
    if request.how == "named":
        why = tr.t("you named the department")
    elif request.how == "chosen":
        why = tr.t("you chose it")
    elif request.terms:
        why = tr.t("it mentions {terms}", terms=", ".join(f"“{t}”" for t in request.terms))
    else:
        why = tr.t("it is the closest match")
    hours = desk.sla_hours if desk else 24.0
    return Card(
        title=tr.t(
            "Request #{id} sent to {department}",
            id=request.id,
            department=desk_name(ctx, tr, request.department),
        ),
        body=request.text,
        facts=(
            Fact(tr.t("Why"), why),
            Fact(
                tr.t("What happens next"),
                tr.t(
                    "An agent of the department answers you here, usually within {time}. "
                    "Type requests to follow it.",
                    time=duration(tr, timedelta(hours=hours)),
                ),
            ),
        ),
    )


def queue_card(ctx: Sendable, tr: Translator, request: SupportRequest) -> Card:
    """For the department: the request, who has it, and the buttons to act on it."""
    desk = vocabulary(ctx).desk(request.department)
    facts = [
        Fact(tr.t("From"), _name(ctx, request.requester_id)),
        Fact(tr.t("Status"), _status(tr, request)),
    ]
    if request.assignee_id is not None:
        facts.append(Fact(tr.t("Claimed by"), _name(ctx, request.assignee_id)))
    routed, answered = aware(request.routed_at), aware(request.first_response_at)
    if routed and answered:
        facts.append(Fact(tr.t("First response after"), duration(tr, answered - routed)))
    elif routed and desk:
        facts.append(Fact(tr.t("Waiting for"), duration(tr, utcnow() - routed)))
        facts.append(
            Fact(tr.t("First response due"), _clock(routed + timedelta(hours=desk.sla_hours)))
        )
    value = str(request.id)
    buttons: list[Button] = []
    if request.status == OPEN:
        buttons.append(Button(tr.t("Claim"), CLAIM, value, style="primary"))
    if request.status in (OPEN, CLAIMED):
        buttons += [
            Button(tr.t("Reply"), REPLY, value),
            Button(tr.t("Resolve"), RESOLVE, value),
            Button(tr.t("Reassign"), REASSIGN, value),
        ]
    return Card(
        title=tr.t(
            "#{id} · {department}", id=request.id, department=desk_name(ctx, tr, request.department)
        ),
        body=request.text,
        facts=tuple(facts),
        buttons=tuple(buttons),
    )


def choice_card(ctx: Sendable, tr: Translator, request: SupportRequest) -> Card:
    """For the requester when the router is unsure: the likeliest departments, or other."""
    value = str(request.id)
    buttons = [
        Button(desk_name(ctx, tr, key), CHOOSE, f"{value}:{key}") for key in request.suggestions
    ]
    buttons.append(Button(tr.t("Other"), CHOOSE, f"{value}:"))
    return Card(
        title=tr.t("Which department should take this?"),
        body=request.text,
        footer=tr.t("I was not sure enough to send it myself. It is saved; pick one."),
        buttons=tuple(buttons),
    )


def all_desks_card(
    tr: Translator,
    desks: tuple[Desk, ...],
    title: str,
    action_id: str,
    request_id: int,
    skip: str | None = None,
) -> Card:
    buttons = [
        Button(desk.name(tr.locale), action_id, f"{request_id}:{desk.key}")
        for desk in desks
        if desk.key != skip
    ]
    buttons.append(Button(tr.t("Cancel"), action_id, f"{request_id}:{NONE}"))
    return Card(title=title, buttons=tuple(buttons))


def resolved_card(ctx: Sendable, tr: Translator, request: SupportRequest) -> Card:
    """For the requester: done, and was it the right department?"""
    value = str(request.id)
    return Card(
        title=tr.t("Request #{id} is resolved", id=request.id),
        body=request.text,
        facts=(
            Fact(tr.t("Department"), desk_name(ctx, tr, request.department)),
            Fact(tr.t("Resolved by"), _name(ctx, request.assignee_id)),
        ),
        footer=tr.t("Did this reach the right department?"),
        buttons=(
            Button(tr.t("Yes"), FEEDBACK, f"{value}:yes", style="primary"),
            Button(tr.t("No"), FEEDBACK, f"{value}:no"),
        ),
    )


def _status(tr: Translator, request: SupportRequest) -> str:
    return {
        OPEN: tr.t("waiting"),
        CLAIMED: tr.t("claimed"),
        RESOLVED: tr.t("resolved"),
    }.get(request.status, request.status)


def _clock(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
