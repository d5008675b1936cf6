"""What a campaign delivery says: the sharing card of its first item, with the campaign's
message on top and the recipient's own tracked links, so every share it leads to counts
for this person and for this campaign (``utm_campaign`` is the campaign's slug).

The composition root hands ``composer(settings)`` to the delivery workers; the core's
``plain_card`` is only the fallback for processes without the sharing feature.
"""

from __future__ import annotations

from slugify import slugify
from sqlmodel import Session

from bot.config import Settings
from bot.delivery.compose import Composer
from bot.i18n import Translator
from bot.replies import Reply, Text
from bot.tracking.urls import new_code
from handlers.sharing.cards import networks, render
from storage.campaigns import Campaign
from storage.content import ContentItem
from storage.people import Person
from storage.tracking import ShareLink, links_for


def campaign_slug(campaign: Campaign) -> str:
    return slugify(campaign.name, max_length=100) or f"campaign-{campaign.id}"


def composer(settings: Settings) -> Composer:
    public, wanted = settings.public_url, networks(settings.config)

    def compose(session: Session, campaign: Campaign, person: Person, tr: Translator) -> Reply:
        """Every item of the campaign gets this person's links, marked with the campaign
        (the others wait in their ``share`` feed); the card shows the first."""
        assert campaign.id is not None and person.id is not None
        found = [session.get(ContentItem, item_id) for item_id in campaign.content_ids]
        items = [item for item in found if item is not None]
        if not items:
            return Text(campaign.message or campaign.name)
        marked = (campaign.id, campaign_slug(campaign))
        shown: dict[str, ShareLink] = {}
        for item in items:
            assert item.id is not None
            links = links_for(session, item.id, person.id, wanted, new_code, marked)
            shown = shown or links
        lead = campaign.message
        if len(items) > 1:
            more = tr.tn(
                "{n} more item of this campaign is in your feed: type share.",
                "{n} more items of this campaign are in your feed: type share.",
                len(items) - 1,
            )
            lead = f"{lead}\n\n{more}" if lead else more
        return render(tr, public, items[0], shown, lead)

    return compose
