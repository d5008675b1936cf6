"""Who may act for a department, and getting a request card to its queue."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot.context import Context
from bot.i18n import Translator
from bot.jobs import JobContext
from bot.outbound import NotReachable
from bot.replies import Card
from bot.roles import AGENT
from bot.routing import Desk, Vocabulary, vocabulary_of
from bot.transport import DeliveryError
from storage.people import Person, person_by_email
from storage.requests import SupportRequest

log = logging.getLogger(__name__)
Sendable = Context | JobContext
CardBuilder = Callable[[Sendable, Translator, SupportRequest], Card]


def vocabulary(ctx: Sendable) -> Vocabulary:
    return vocabulary_of(ctx.services.settings.config)


def is_agent(person: Person | None, desk: Desk) -> bool:
    """An agent of ``desk``: the agent role *and* listed among its agents."""
    return person is not None and AGENT in person.roles and person.email.lower() in desk.agents


def desks_of(person: Person | None, vocab: Vocabulary) -> list[Desk]:
    return [desk for desk in vocab.desks if is_agent(person, desk)]


def people(ctx: Sendable, emails: tuple[str, ...]) -> list[Person]:
    with ctx.db() as session:
        found = [person_by_email(session, email) for email in emails]
    return [person for person in found if person is not None]


async def notify_all(
    ctx: Sendable, recipients: list[Person], card_for: Callable[[Person], Card | str]
) -> int:
    """Send each person their own copy, in their language; returns how many got it."""
    sent = 0
    for person in recipients:
        try:
            await ctx.notify(person, card_for(person))
            sent += 1
        except (NotReachable, DeliveryError) as exc:
            log.info("not delivered", extra={"person": person.id, "reason": str(exc)})
    return sent


async def to_queue(ctx: Sendable, desk: Desk, card_for: CardFor) -> None:
    """Post in the department's queue channels that a platform here can post to; when none
    can, each agent gets the card in their direct messages."""
    posted = False
    for platform, channel in desk.queue:
        if not ctx.services.outbound.can_post_to(platform):
            continue
        try:
            await ctx.services.outbound.send_to_channel(platform, channel, card_for(None))
            posted = True
        except (NotReachable, DeliveryError) as exc:
            log.warning("queue post failed", extra={"department": desk.key, "reason": str(exc)})
    if not posted:
        agents = [person for person in people(ctx, desk.agents) if is_agent(person, desk)]
        await notify_all(ctx, agents, card_for)


def aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


class CardFor:
    """A card in the language of whoever receives it (None: the deployment's default)."""

    def __init__(self, ctx: Sendable, build: CardBuilder, request: SupportRequest) -> None:
        self.ctx = ctx
        self.build = build
        self.request = request

    def __call__(self, person: Person | None) -> Card:
        if person is None:
            tr = self.ctx.services.catalogs.get(self.ctx.services.settings.config.default_locale)
        else:
            tr = self.ctx.translator_for(person)
        return self.build(self.ctx, tr, self.request)
