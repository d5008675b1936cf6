"""First-response SLA: remind the agents at 80 % of the target, tell the lead at 100 %."""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import Translator
from bot.jobs import JobContext
from bot.replies import Card
from bot.router import Router
from handlers.routing.cards import duration, queue_card
from handlers.routing.desks import aware, is_agent, notify_all, people, vocabulary
from storage.people import Person, utcnow
from storage.requests import SupportRequest, awaiting_first_response

router = Router()
REMIND_AT = 0.8


@router.every("routing.sla", timedelta(minutes=1))
async def check_sla(ctx: JobContext) -> None:
    vocab = vocabulary(ctx)
    now = utcnow()
    with ctx.db() as session:
        waiting = awaiting_first_response(session)
        for row in waiting:
            session.expunge(row)
    for request in waiting:
        desk = vocab.desk(request.department)
        routed = aware(request.routed_at)
        if desk is None or routed is None:
            continue
        target = timedelta(hours=desk.sla_hours)
        if now - routed >= target:
            lead = people(ctx, (desk.lead,)) if desk.lead else []
            recipients = lead or [p for p in people(ctx, desk.agents) if is_agent(p, desk)]
            await notify_all(ctx, recipients, _card(ctx, request, "late", target))
            _mark(ctx, request, "escalated_at")
        elif now - routed >= target * REMIND_AT and request.reminded_at is None:
            agents = [p for p in people(ctx, desk.agents) if is_agent(p, desk)]
            await notify_all(ctx, agents, _card(ctx, request, "soon", target))
            _mark(ctx, request, "reminded_at")


def _card(ctx: JobContext, request: SupportRequest, kind: str, target: timedelta):  # type: ignore[no-untyped-def]
    def build(person: Person) -> Card:
        tr: Translator = ctx.translator_for(person)
        card = queue_card(ctx, tr, request)
        if kind == "late":
            title = tr.t(
                "Unanswered past its {time} target: request #{id}",
                time=duration(tr, target),
                id=request.id,
            )
        else:
            title = tr.t("Request #{id} needs a first response soon", id=request.id)
        return Card(
            title=title, body=card.body, facts=card.facts, buttons=card.buttons, highlight=True
        )

    return build


def _mark(ctx: JobContext, request: SupportRequest, column: str) -> None:
    with ctx.db() as session:
        row = session.get(SupportRequest, request.id)
        if row is not None:
            setattr(row, column, utcnow())
            session.add(row)
