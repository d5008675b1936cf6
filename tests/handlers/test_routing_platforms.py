"""A request to a department with the platforms' own payloads: the employee asks in a DM,
the queue card reaches the department (a Slack channel; on Teams the agents' chats), an
agent claims it with the card's button, and the employee hears who is on it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from bot.config import load_config
from storage.engine import session_scope
from storage.people import Person
from storage.requests import SupportRequest
from tests.support.slack import block_actions, direct_message
from tests.support.teams_wire import submit_data


@pytest.fixture
def it_desk(tmp_path: Path, monkeypatch, engine) -> None:
    """IT answers, with Ali as its agent and its queue in the Slack channel C0ITDESK."""
    raw = load_config().raw
    raw["departments"]["it"].update(agents=["ali@example.com"], queue={"slack": "C0ITDESK"})
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    monkeypatch.setenv("ELCI_CONFIG", str(config))
    with session_scope(engine) as db:
        db.add(Person(email="ayse@example.com", name="Ayşe", roles=["employee"]))
        db.add(Person(email="ali@example.com", name="Ali", roles=["employee", "agent"]))


def claimed(engine) -> SupportRequest:
    with session_scope(engine) as db:
        request = db.exec(select(SupportRequest)).one()
        db.expunge(request)
        return request


async def test_ask_and_claim_on_slack(it_desk, slack_for, engine) -> None:
    slack = await slack_for()
    slack.api.add_user("U0AYSE", "ayse@example.com", name="Ayşe Yılmaz")
    slack.api.add_user("U0ALI", "ali@example.com", name="Ali Demir")
    await slack.event(direct_message("ask my laptop does not start after the update"))
    await slack.settle()
    for _ in range(100):  # the queue card may still be on its way when the turn is done
        posted = slack.api.called("chat.postMessage")
        if any(m["channel"] == "C0ITDESK" for m in posted):
            break
        await asyncio.sleep(0.02)
    to_ayse = [m for m in posted if m["channel"] == "D0AYSE"]
    assert "Request #1 sent to IT" in json.dumps(to_ayse, ensure_ascii=False)
    [queue_card] = [m for m in posted if m["channel"] == "C0ITDESK"]
    claim = next(
        element
        for block in queue_card["blocks"] if block["type"] == "actions"
        for element in block["elements"] if element["action_id"].endswith("routing.claim")
    )  # fmt: skip

    payload = block_actions(
        claim["action_id"],
        claim["value"],
        user="U0ALI",
        channel="C0ITDESK",
        response_url=slack.api.response_url("claim"),
    )
    assert (await slack.interact(payload)).status == 200
    await slack.settle()
    [(key, updated)] = slack.api.responses  # the card in the channel, replaced in place
    assert key == "claim" and updated["replace_original"] is True
    assert "Ali" in json.dumps(updated["blocks"], ensure_ascii=False)
    told = [m for m in slack.api.called("chat.postMessage") if m["channel"] == "D0AYSE"][-1]
    assert "Ali (IT) is on your request #1." in told["text"]
    assert claimed(engine).status == "claimed"


async def test_ask_and_claim_on_teams(it_desk, teams) -> None:
    ayse = teams.user("ayse@example.com", "Ayşe")
    ali = teams.user("ali@example.com", "Ali")
    await teams.say(ali, "help")  # Ali has talked to Elçi: it can reach him
    await teams.say(ayse, "ask my laptop does not start after the update")
    queue = next(
        call for call in teams.connector.sent()
        if call.cards and "Claim" in json.dumps(call.cards[0]) and ali.id[3:] in call.path
    )  # fmt: skip
    data = submit_data(queue.cards[0], "Claim")
    await teams.post(teams.activities.submit(ali, queue.answer["id"], data))
    update = teams.connector.sent()[-2:]
    assert any(c.method == "PUT" and c.path.endswith(queue.answer["id"]) for c in update)
    assert any(
        "Ali (IT) is on your request #1." in json.dumps(c.body) for c in teams.connector.sent()
    )
    assert claimed(teams.engine).status == "claimed"
