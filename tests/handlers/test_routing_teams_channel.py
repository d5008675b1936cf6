"""A department's queue in a Teams channel: the request card starts a thread there, an
agent claims it from that card, the card is replaced in place, the requester hears."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from bot.config import load_config
from bot.replies import Card
from bot.transport import DeliveryError
from storage.engine import session_scope
from storage.people import Person
from storage.requests import SupportRequest
from tests.support.teams_connector import Call
from tests.support.teams_wire import submit_data

CHANNEL = "19:itdesk0123456789@thread.tacv2"


@pytest.fixture
def it_channel(tmp_path: Path, monkeypatch, engine) -> None:
    """IT answers in the Teams channel CHANNEL, with Ali as its agent."""
    raw = load_config().raw
    raw["departments"]["it"].update(agents=["ali@example.com"], queue={"teams": CHANNEL})
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    monkeypatch.setenv("ELCI_CONFIG", str(config))
    with session_scope(engine) as db:
        db.add(Person(email="ayse@example.com", name="Ayşe", roles=["employee"]))
        db.add(Person(email="ali@example.com", name="Ali", roles=["employee", "agent"]))


async def posted_in_channel(connector) -> Call:
    for _ in range(100):  # the queue card may still be on its way when the turn is done
        threads = [
            call
            for call in connector.calls
            if call.method == "POST" and call.path == "/v3/conversations"
            and call.body["channelData"]["channel"]["id"] == CHANNEL
        ]  # fmt: skip
        if threads:
            [thread] = threads
            return thread
        await asyncio.sleep(0.02)
    raise AssertionError("no card in the channel")


def status(engine) -> SupportRequest:
    with session_scope(engine) as db:
        request = db.exec(select(SupportRequest)).one()
        db.expunge(request)
        return request


async def test_the_queue_card_in_a_teams_channel_is_claimed_in_place(it_channel, teams) -> None:
    ayse = teams.user("ayse@example.com", "Ayşe")
    ali = teams.user("ali@example.com", "Ali")
    await teams.say(ayse, "ask my laptop does not start after the update")

    thread = await posted_in_channel(teams.connector)
    assert thread.status == 200 and thread.body["isGroup"] is True
    [card] = thread.cards
    assert "laptop does not start" in json.dumps(card, ensure_ascii=False)
    agents_dms = [c for c in teams.connector.sent() if "/a:1" in c.path and c.cards]
    assert not any("Claim" in json.dumps(c.cards) for c in agents_dms)  # not in DMs too
    card_id = thread.answer["activityId"]

    press = teams.activities.channel_submit(ali, card_id, submit_data(card, "Claim"), CHANNEL)
    assert (await teams.post(press)).status == 200

    [update] = teams.connector.sent("PUT")
    assert update.path == f"/v3/conversations/{CHANNEL};messageid={card_id}/activities/{card_id}"
    assert "Ali" in json.dumps(update.cards, ensure_ascii=False)
    assert status(teams.engine).status == "claimed"
    told = [json.dumps(c.body, ensure_ascii=False) for c in teams.connector.sent("POST")]
    assert any("Ali (IT) is on your request #1." in body for body in told)

    [claimed] = update.cards  # Resolve, from the card as the claim left it
    resolve = submit_data(claimed, "Resolve")
    press = teams.activities.channel_submit(ali, card_id, resolve, CHANNEL)
    assert (await teams.post(press)).status == 200
    [_, resolved] = teams.connector.sent("PUT")
    assert resolved.path == update.path  # the same card, once more
    assert status(teams.engine).status == "resolved"
    told = [json.dumps(c.body, ensure_ascii=False) for c in teams.connector.sent("POST")]
    assert any("Did this reach the right department?" in body for body in told)


async def test_a_channel_post_waits_for_a_first_teams_conversation(it_channel, teams) -> None:
    """A channel post needs a service URL, known once someone has talked to Elçi; until
    then it is a permanent error, and routing gives the card to the agents instead."""
    with pytest.raises(DeliveryError, match="no service URL") as raised:
        await teams.sender.deliver_to_channel(CHANNEL, Card(title="Request #1"))
    assert raised.value.permanent
