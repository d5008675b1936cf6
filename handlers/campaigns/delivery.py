"""What a campaign delivery says: the sharing card of its first item, with the campaign's
message on top and the recipient's own tracked links, so every share it leads to counts
for this person and for this campaign (``utm_campaign`` is the campaign's slug).

The composition root hands a ``SharingCard`` to the delivery workers; the core's
``plain_card`` is only the fallback for processes without the sharing feature.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slugify import slugify
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.i18n import Translator
from bot.replies import Reply, Text
from bot.tracking.urls import new_code
from handlers.sharing.cards import campaign_lead, networks, render
from storage.campaigns import Campaign
from storage.content import ContentItem
from storage.people import Person
from storage.tracking import ShareLink, links_for_many

PREPARED = "campaign cards prepared"  # key in ``Session.info``: what ``prepare`` got


@dataclass
class Prepared:
    """The batch's content items, its recipients' links, and who they are for."""

    items: dict[int, ContentItem] = field(default_factory=dict)
    links: dict[tuple[int, int], dict[str, ShareLink]] = field(default_factory=dict)
    recipients: set[tuple[int, int]] = field(default_factory=set)  # (campaign, person)


def campaign_slug(campaign: Campaign) -> str:
    return slugify(campaign.name, max_length=100) or f"campaign-{campaign.id}"


class SharingCard:
    """The composer the composition root hands to the delivery workers."""

    def __init__(self, settings: Settings) -> None:
        self.public = settings.public_url
        self.networks = networks(settings.config)

    def prepare(self, session: Session, recipients: list[tuple[Campaign, Person]]) -> None:
        """Every recipient's links for every item of their campaign, marked with it, in a
        few statements for the whole batch (the items after the first wait in their
        ``share`` feed)."""
        prepared: Prepared = session.info.setdefault(PREPARED, Prepared())
        wanted = {item for campaign, _ in recipients for item in campaign.content_ids}
        query = select(ContentItem).where(col(ContentItem.id).in_(wanted - set(prepared.items)))
        prepared.items |= {item.id: item for item in session.exec(query) if item.id is not None}
        for campaign, people in _by_campaign(recipients):
            assert campaign.id is not None
            items = [item for item in campaign.content_ids if item in prepared.items]
            pairs = [(item, person) for item in items for person in people]
            marked = (campaign.id, campaign_slug(campaign))
            prepared.links |= links_for_many(session, pairs, self.networks, new_code, marked)
            prepared.recipients |= {(campaign.id, person) for person in people}

    def __call__(
        self, session: Session, campaign: Campaign, person: Person, tr: Translator
    ) -> Reply:
        prepared: Prepared | None = session.info.get(PREPARED)
        if prepared is None or (campaign.id, person.id) not in prepared.recipients:
            self.prepare(session, [(campaign, person)])  # called outside a batch
            prepared = session.info[PREPARED]
        items = [prepared.items[i] for i in campaign.content_ids if i in prepared.items]
        if not items:
            return Text(campaign.message or campaign.name)
        first = items[0]
        assert first.id is not None and person.id is not None
        lead = campaign_lead(tr, campaign, len(items) - 1)
        links = prepared.links[(first.id, person.id)]
        return render(tr, self.public, first, links, lead, campaign.id)


def _by_campaign(recipients: list[tuple[Campaign, Person]]) -> list[tuple[Campaign, list[int]]]:
    grouped: dict[int, tuple[Campaign, list[int]]] = {}
    for campaign, person in recipients:
        assert campaign.id is not None and person.id is not None
        grouped.setdefault(campaign.id, (campaign, []))[1].append(person.id)
    return list(grouped.values())
