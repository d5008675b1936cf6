"""An item as a person sees it: the caption proposed to them, one button per network.

The same card goes out in campaigns (``handlers.campaigns.delivery``), with the campaign's
message on top, so ``render`` needs only a translator and the public URL, not a turn.
"""

from __future__ import annotations

from sqlmodel import col, func, select

from bot.config import Config
from bot.content import NETWORKS
from bot.context import Context
from bot.i18n import Translator
from bot.replies import Button, Card, LinkButton
from bot.tracking.recorder import pick_caption
from bot.tracking.urls import new_code, share_url
from storage.campaigns import Campaign
from storage.content import ContentItem
from storage.tracking import ShareLink, links_for

NETWORK_NAMES = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook"}


def networks(config: Config) -> tuple[str, ...]:
    section = config.raw.get("content") or {}
    wanted = section.get("networks") or NETWORKS
    return tuple(network for network in wanted if network in NETWORKS)


def item_card(ctx: Context, item: ContentItem, campaign: Campaign | None = None) -> Card:
    """Creates the person's share links on first view, so every button is ready to use;
    with ``campaign``, the card as that campaign's delivery showed it."""
    assert ctx.person is not None and ctx.person.id is not None and item.id is not None
    config = ctx.services.settings.config
    public = ctx.services.settings.public_url
    with ctx.db() as session:
        links = links_for(session, item.id, ctx.person.id, networks(config), new_code)
        if campaign is None:
            return render(ctx.tr, public, item, links)
        others = [other for other in campaign.content_ids if other != item.id]
        more = session.exec(select(func.count()).where(col(ContentItem.id).in_(others))).one()
    return render(ctx.tr, public, item, links, campaign_lead(ctx.tr, campaign, more), campaign.id)


def render(
    tr: Translator,
    public: str,
    item: ContentItem,
    links: dict[str, ShareLink],
    lead: str = "",
    campaign_id: int | None = None,
) -> Card:
    """``lead``: what goes above the item (a campaign's message), as given; a card of a
    campaign names it in its "Another caption" button, so the new card keeps the lead."""
    first = next(iter(links.values()))
    caption = pick_caption(item.captions, first.network, first.caption_index)
    body = "\n\n".join(part for part in (lead, item.summary) if part)
    if caption:
        body = f"{body}\n\n" if body else ""
        body += tr.t("Suggested caption: “{caption}”", caption=caption)
    buttons: list[Button | LinkButton] = [
        LinkButton(
            tr.t("Share on {network}", network=NETWORK_NAMES[net]), share_url(public, link.code)
        )
        for net, link in links.items()
    ]
    if _caption_count(item, first.network) > 1:
        value = f"{item.id}@{campaign_id}" if campaign_id is not None else str(item.id)
        buttons.append(Button(tr.t("Another caption"), "share.caption", value))
    buttons.append(Button(tr.t("Not for me"), "share.skip", str(item.id)))
    return Card(
        title=item.title,
        body=body,
        image_url=item.image_url,
        buttons=tuple(buttons),
        footer=tr.t("From our leaders: share it first.") if item.leader else "",
        highlight=item.leader,
    )


def campaign_lead(tr: Translator, campaign: Campaign, more_items: int) -> str:
    """A campaign's message, and where its other items wait."""
    lead = campaign.message
    if more_items:
        more = tr.tn(
            "{n} more item of this campaign is in your feed: type share.",
            "{n} more items of this campaign are in your feed: type share.",
            more_items,
        )
        lead = f"{lead}\n\n{more}" if lead else more
    return lead


def _caption_count(item: ContentItem, network: str) -> int:
    return len(item.captions.get(network) or item.captions.get("any") or [])
