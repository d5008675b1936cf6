"""What a campaign delivery says: the optional message and one card per content item.

Features may pass their own composer to the worker (the sharing feature's card, with
tracked share links); this plain one needs only the core.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from bot.i18n import Translator
from bot.replies import Card, LinkButton, Reply
from storage.campaigns import Campaign
from storage.content import ContentItem
from storage.people import Person

Composer = Callable[[Session, Campaign, Person, Translator], Reply]
"""One recipient's message. A composer may also offer ``prepare(session, [(campaign,
person), ...])``: the worker calls it once per batch, before composing, with everyone the
batch will compose for, so a composer that writes (share links) writes in one go."""


def plain_card(session: Session, campaign: Campaign, person: Person, tr: Translator) -> Reply:
    items = [session.get(ContentItem, item_id) for item_id in campaign.content_ids]
    shown = [item for item in items if item is not None]
    first = shown[0] if shown else None
    body = campaign.message or (first.summary if first else "")
    buttons = tuple(LinkButton(item.title[:60], item.url) for item in shown[:5])
    return Card(title=campaign.name if campaign.message or not first else first.title,
                body=body, buttons=buttons)  # fmt: skip
