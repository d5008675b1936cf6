"""A campaign arrives as the sharing card: the campaign's message on top, each recipient's
own tracked links, and a share from it counts for that person and that campaign."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from adapters.slack.sender import SlackSender
from bot.compose import delivery_worker
from bot.config import load_config
from bot.delivery import ledger
from bot.delivery.settings import CampaignSettings, WorkingHours
from bot.delivery.worker import DeliveryWorker
from bot.tracking.urls import new_code
from bot.web import make_app
from handlers.campaigns.delivery import SharingCard
from storage.campaigns import Campaign
from storage.content import ContentItem
from storage.engine import session_scope
from storage.people import Person
from storage.tracking import Click, ShareIntent, ShareLink, links_for, rotate_captions
from tests.support.campaigns import add_audience
from tests.support.slack import block_actions, slack_settings

FAST = CampaignSettings(hours=WorkingHours(enabled=False), rates=(), backoff_seconds=0.01)
SHARE = re.compile(r"/s/([A-Za-z0-9_-]{22})$")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"


def share_codes(message: Any) -> list[str]:
    """Every ``/s/{code}`` a Slack message or an Adaptive Card links to, in order."""
    found: list[str] = []
    if isinstance(message, dict):
        for key, value in message.items():
            match = SHARE.search(value) if key == "url" and isinstance(value, str) else None
            found += [match.group(1)] if match else share_codes(value)
    elif isinstance(message, list):
        for value in message:
            found += share_codes(value)
    return found


def add_items(engine) -> list[int]:
    with session_scope(engine) as session:
        items = [
            ContentItem(title="Our new plant opens", url="https://example.com/plant?ref=x",
                        slug="plant", summary="Three hundred jobs in İzmir.",
                        captions={"any": ["Proud of us!", "Big day in İzmir."]}),
            ContentItem(title="Open day", url="https://example.com/open-day", slug="open-day"),
        ]  # fmt: skip
        session.add_all(items)
        session.flush()
        return [item.id for item in items if item.id is not None]


async def test_each_recipient_gets_their_own_links_and_shares_count_for_the_campaign(
    engine, slack_api, connector, teams_for, make_services
) -> None:
    audience = add_audience(engine, 2, 2, connector.url)
    items = add_items(engine)
    settings = slack_settings(engine, slack_api)
    worker = DeliveryWorker(engine, make_services().outbound, make_services().catalogs, FAST,
                            compose=SharingCard(settings))  # fmt: skip
    worker.outbound.add(SlackSender(settings))
    worker.outbound.add((await teams_for()).sender)
    new = ledger.NewCampaign(name="Plant Opening 2026", content_ids=items, message="Big day!")
    campaign = ledger.create(engine, load_config(), new).id
    assert campaign is not None
    ledger.start(engine, campaign, ["slack", "teams"], FAST)
    while await worker.run_once():
        pass

    cards: dict[int, Any] = {}
    for person, channel in audience.slack_channels.items():
        [message] = slack_api.posted[channel]
        assert "Big day!" in str(message["blocks"]) and "Suggested caption" in str(message)
        cards[person] = message["blocks"]
    for person, conversation in audience.teams_conversations.items():
        [sent] = [call for call in connector.sent() if f"/{conversation}/" in call.path]
        assert "Big day!" in str(sent.cards) and "Another caption" in str(sent.cards)
        cards[person] = sent.cards

    with session_scope(engine) as session:
        links = {link.code: link for link in session.exec(select(ShareLink)).all()}
    for person, card in cards.items():
        codes = share_codes(card)
        assert len(codes) == 3  # LinkedIn, X, Facebook
        assert {links[code].person_id for code in codes} == {person}
        assert {links[code].campaign_id for code in codes} == {campaign}
    # The second item waits in the feed, its links already marked with the campaign.
    assert {link.campaign_id for link in links.values() if link.item_id == items[1]} == {campaign}
    assert len(links) == 4 * 2 * 3

    teams_person = next(iter(audience.teams_conversations))
    code = share_codes(cards[teams_person])[0]
    async with TestClient(TestServer(make_app(make_services()))) as client:
        shared = await client.get(f"/s/{code}", allow_redirects=False)
        assert shared.status == 302
        with session_scope(engine) as session:  # a minute later: no longer a link preview
            for intent in session.exec(select(ShareIntent)).all():
                intent.created_at = intent.created_at.replace(year=2020)
                session.add(intent)
        clicked = await client.get(f"/r/{code}", allow_redirects=False,
                                   headers={"User-Agent": BROWSER})  # fmt: skip
    query = parse_qs(urlsplit(clicked.headers["Location"]).query)
    assert query["utm_campaign"] == ["plant-opening-2026"]
    with session_scope(engine) as session:
        [intent] = session.exec(select(ShareIntent)).all()
        [click] = session.exec(select(Click)).all()
    assert (intent.person_id, intent.campaign_id) == (teams_person, campaign)
    assert (click.campaign_id, click.human) == (campaign, True)


def test_elci_workers_send_the_sharing_card(make_services) -> None:
    """The composition root's worker (what ``elci serve`` and ``elci worker`` run)."""
    worker = delivery_worker(make_services())
    assert isinstance(worker.compose, SharingCard)


def test_links_from_the_feed_are_kept_and_marked(engine, make_services) -> None:
    """Someone who saw the item in their feed keeps their links (and caption) in the
    campaign's card; from now on their shares count for the campaign."""
    add_audience(engine, 2, 0)
    items = add_items(engine)
    services = make_services()
    campaign = ledger.create(engine, load_config(), ledger.NewCampaign("Plant", items))
    with session_scope(engine) as session:
        people = session.exec(select(Person).order_by(Person.id)).all()
        before = links_for(session, items[0], people[0].id, ("linkedin", "x"), new_code)
        codes = {network: link.code for network, link in before.items()}
        rotate_captions(session, items[0], people[0].id)
    card = SharingCard(services.settings)
    tr = services.catalogs.get("en")
    with session_scope(engine) as session:
        found = session.get(Campaign, campaign.id)
        recipients = session.exec(select(Person).order_by(Person.id)).all()
        card.prepare(session, [(found, person) for person in recipients])
        shown = [card(session, found, person, tr) for person in recipients]
    assert share_codes(
        {"buttons": [{"url": b.url} for b in shown[0].buttons if hasattr(b, "url")]}
    )[:2] == [codes["linkedin"], codes["x"]]
    captions = ("Proud of us!", "Big day in İzmir.")  # rotation starts at the person's id
    assert captions[(people[0].id + 1) % 2] in shown[0].body  # and "Another caption" moved it
    with session_scope(engine) as session:
        links = session.exec(select(ShareLink)).all()
    assert {link.campaign_id for link in links} == {campaign.id}
    assert len(links) == 2 * len(items) * 3  # two people, three networks: no duplicate


async def test_another_caption_on_a_campaign_card_keeps_the_campaigns_message(
    engine, slack, make_services
) -> None:
    audience = add_audience(engine, 2, 0)
    items = add_items(engine)
    worker = DeliveryWorker(engine, make_services().outbound, make_services().catalogs, FAST,
                            compose=SharingCard(slack_settings(engine, slack.api)))  # fmt: skip
    worker.outbound.add(SlackSender(slack_settings(engine, slack.api)))
    new = ledger.NewCampaign(name="Plant", content_ids=items, message="Big day!")
    campaign = ledger.create(engine, load_config(), new).id
    other = ledger.create(
        engine,
        load_config(),
        ledger.NewCampaign(name="Other", content_ids=items, message="Not yours"),
    ).id
    ledger.start(engine, campaign, ["slack"], FAST)
    while await worker.run_once():
        pass
    channel = next(iter(audience.slack_channels.values()))
    user = "U" + channel[1:]
    slack.api.add_user(user, "p0@example.com")
    [card] = slack.api.posted[channel]
    buttons = [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    another = next(b for b in buttons if b["text"]["text"] == "Another caption")

    await slack.interact(block_actions(another["action_id"], another["value"], user, channel))
    await slack.settle()
    [updated] = slack.api.called("chat.update")
    text = str(updated["blocks"])
    assert "Big day!" in text and "1 more item of this campaign is in your feed" in text
    assert text != str(card["blocks"])  # the next caption
    assert share_codes(updated["blocks"]) == share_codes(card["blocks"])  # the same links

    # A value naming a campaign that did not bring this item to this person shows no text
    # of it: the caption still moves on.
    forged = another["value"].replace(f"@{campaign}", f"@{other}")
    assert forged != another["value"]
    await slack.interact(block_actions(another["action_id"], forged, user, channel))
    await slack.settle()
    plain = str(slack.api.called("chat.update")[-1]["blocks"])
    assert "Not yours" not in plain and "Big day!" not in plain and "Our new plant" in plain
