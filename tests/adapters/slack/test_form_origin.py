"""A form opened from a button on a message: the card answering the form replaces that
message in place (``chat.update`` in the person's DM, the click's response_url elsewhere),
and the modal closes. The origin rides in the modal's private_metadata; a forged or
malformed one is ignored and the card shows in the modal as for any other form."""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.forms import ORIGIN_KEY, PRIVATE_METADATA, Origin, to_metadata
from bot.replies import Form
from tests.support.decide import decide_router
from tests.support.slack import block_actions, view_submission

CARD_TS = "1700000005.000100"


async def open_from_card(slack, **press: Any) -> dict[str, Any]:
    """Press Decide on the card (where ``press`` says) and return the modal it opened."""
    payload = block_actions("0:t.decide", "7", message_ts=CARD_TS, **press)
    assert (await slack.interact(payload)).status == 200
    await slack.settle()
    return slack.api.called("views.open")[-1]["view"]


async def submit(slack, view: dict[str, Any], why: str = "fine", user: str = "U0AYSE") -> Any:
    values = {"why": {"type": "plain_text_input", "value": why}}
    response = await slack.interact(view_submission(view, values, user=user))
    assert response.status == 200
    body = await response.read()
    await slack.settle()
    return json.loads(body) if body else {}


def with_origin(view: dict[str, Any], **origin: Any) -> dict[str, Any]:
    metadata = json.loads(view["private_metadata"])
    metadata[ORIGIN_KEY] = {**metadata[ORIGIN_KEY], **origin}
    return {**view, "private_metadata": json.dumps(metadata)}


async def test_a_card_answering_a_form_replaces_the_card_whose_button_opened_it(
    slack_for, engine
) -> None:
    received: list[dict[str, Any]] = []
    slack = await slack_for(decide_router(received))
    slack.api.add_user("U0AYSE", "ayse@example.com")
    view = await open_from_card(slack, response_url=slack.api.response_url("dm"))
    metadata = json.loads(view["private_metadata"])
    assert metadata[ORIGIN_KEY] == {"u": "U0AYSE", "c": "D0AYSE", "ts": CARD_TS}

    ack = await submit(slack, view, "looks good")
    assert ack == {}  # the modal closes: its answer is in the card
    assert received == [{"n": "7"}]  # the origin is the adapter's, never the handler's
    [updated] = slack.api.called("chat.update")
    assert (updated["channel"], updated["ts"]) == ("D0AYSE", CARD_TS)
    assert updated["text"] == "Decided 7: looks good"
    assert slack.api.responses == []


async def test_a_card_in_a_channel_is_replaced_through_the_clicks_response_url(
    slack_for, engine
) -> None:
    slack = await slack_for(decide_router([]))
    slack.api.add_user("U0AYSE", "ayse@example.com")
    url = slack.api.response_url("queue")
    view = await open_from_card(slack, channel="C0QUEUE", response_url=url)
    assert json.loads(view["private_metadata"])[ORIGIN_KEY]["r"] == url

    assert await submit(slack, view) == {}
    assert slack.api.called("chat.update") == []
    [(key, message)] = slack.api.responses
    assert key == "queue" and message["replace_original"] is True
    assert message["text"] == "Decided 7: fine"


async def test_a_form_opened_by_a_command_shows_its_card_in_the_modal_as_before(
    slack_for, engine
) -> None:
    slack = await slack_for(decide_router([]))
    slack.api.add_user("U0AYSE", "ayse@example.com")
    await slack.command("why")
    await slack.settle()
    view = slack.api.called("views.open")[-1]["view"]
    assert ORIGIN_KEY not in json.loads(view["private_metadata"])
    ack = await submit(slack, view)
    assert ack["response_action"] == "update" and "Decided cmd" in json.dumps(ack["view"])
    assert slack.api.called("chat.update") == [] and slack.api.responses == []


async def test_an_origin_in_another_persons_dm_is_ignored(slack_for, engine) -> None:
    slack = await slack_for(decide_router([]))
    slack.api.add_user("U0AYSE", "ayse@example.com")
    view = await open_from_card(slack)
    ack = await submit(slack, with_origin(view, c="D0MERT"))
    assert slack.api.called("chat.update") == []
    assert ack["response_action"] == "update"  # shown in the modal, as without an origin
    assert "Decided 7: fine" in json.dumps(ack["view"])


async def test_an_origin_of_another_person_or_of_the_wrong_shape_is_ignored(
    slack_for, engine
) -> None:
    slack = await slack_for(decide_router([]))
    slack.api.add_user("U0AYSE", "ayse@example.com")
    slack.api.add_user("U0MERT", "mert@example.com")
    url = slack.api.response_url("theirs")
    view = await open_from_card(slack, channel="C0QUEUE", response_url=url)
    forged = [
        with_origin(view, u="U0MERT"),  # a click recorded as Mert's, submitted by Ayşe
        with_origin(view, ts=1700000005.0001),
        with_origin(view, c="C0QUEUE; DROP"),
        with_origin(view, r="javascript:alert(1)"),
        {**view, "private_metadata": view["private_metadata"].replace('"u"', '"x"')},
    ]
    for n, forgery in enumerate(forged):
        ack = await submit(slack, forgery)
        assert ack["response_action"] == "update", n
    mert = await submit(slack, view, user="U0MERT")  # Ayşe's click, submitted by Mert
    assert mert["response_action"] == "update"
    assert slack.api.called("chat.update") == [] and slack.api.responses == []


async def test_a_late_answer_still_replaces_the_card(slack_for, engine, monkeypatch) -> None:
    monkeypatch.setattr("adapters.slack.app.ACK_BUDGET_S", 0.0)
    slack = await slack_for(decide_router([]))
    slack.api.add_user("U0AYSE", "ayse@example.com")
    view = await open_from_card(slack)
    assert await submit(slack, view) == {}
    [updated] = slack.api.called("chat.update")
    assert updated["ts"] == CARD_TS and updated["text"] == "Decided 7: fine"


def test_the_origin_gives_way_when_the_metadata_would_be_too_long() -> None:
    origin = Origin("U0AYSE", "C0QUEUE", CARD_TS, "https://hooks.slack.com/actions/T/1/x")
    small = Form("t.why", "Why?", fields=(), submit_label="Send", state={"n": "7"})
    assert json.loads(to_metadata(small, origin))[ORIGIN_KEY]["r"].startswith("https://")
    filler = "x" * (PRIVATE_METADATA - 60)
    large = Form("t.why", "Why?", fields=(), submit_label="Send", state={"n": filler})
    text = to_metadata(large, origin)
    assert len(text) <= PRIVATE_METADATA and ORIGIN_KEY not in json.loads(text)
