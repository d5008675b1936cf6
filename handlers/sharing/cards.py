"""An item as a person sees it: the caption proposed to them, one button per network.

The same card goes out in campaigns (``handlers.campaigns.delivery``), with the campaign's
message on top, so ``render`` needs only a translator and the public URL, not a turn.
"""

from __future__ import annotations

from bot.config import Config
from bot.content import NETWORKS
from bot.context import Context
from bot.i18n import Translator
from bot.replies import Button, Card, LinkButton
from bot.tracking.recorder import pick_caption
from bot.tracking.urls import new_code, share_url
from storage.content import ContentItem
from storage.tracking import ShareLink, links_for

NETWORK_NAMES = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook"}


def networks(config: Config) -> tuple[str, ...]:
    section = config.raw.get("content") or {}
    wanted = section.get("networks") or NETWORKS
    return tuple(network for network in wanted if network in NETWORKS)


def item_card(ctx: Context, item: ContentItem) -> Card:
    """Creates the person's share links on first view, so every button is ready to use."""
    assert ctx.person is not None and ctx.person.id is not None and item.id is not None
    config = ctx.services.settings.config
    with ctx.db() as session:
        links = links_for(session, item.id, ctx.person.id, networks(config), new_code)
    return render(ctx.tr, ctx.services.settings.public_url, item, links)


def render(
    tr: Translator, public: str, item: ContentItem, links: dict[str, ShareLink], lead: str = ""
) -> Card:
    """``lead``: what goes above the item (a campaign's message), as given."""
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
        buttons.append(Button(tr.t("Another caption"), "share.caption", str(item.id)))
    buttons.append(Button(tr.t("Not for me"), "share.skip", str(item.id)))
    return Card(
        title=item.title,
        body=body,
        image_url=item.image_url,
        buttons=tuple(buttons),
        footer=tr.t("From our leaders: share it first.") if item.leader else "",
        highlight=item.leader,
    )


def _caption_count(item: ContentItem, network: str) -> int:
    return len(item.captions.get(network) or item.captions.get("any") or [])
