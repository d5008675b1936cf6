"""A form opened from a button on a card: the card answering the form replaces that card
(``PUT`` of its activity) and the form closes. The origin rides in the form's own submit
data under the reserved key; one naming another conversation, or of the wrong shape, is
ignored and the answer replaces the form as for any other form."""

from __future__ import annotations

from typing import Any

from adapters.teams.inbound import ORIGIN, RESERVED
from tests.support.decide import decide_router
from tests.support.teams import Fault, personal
from tests.support.teams_wire import submit_data, texts


async def open_from_card(teams, user) -> tuple[str, str, dict[str, Any]]:
    """(the card's activity id, the form's activity id, the form's Send data)."""
    await teams.say(user, "campaign")
    card_call = teams.connector.sent()[-1]
    press = submit_data(card_call.cards[0], "Decide")
    card_id = card_call.answer["id"]
    assert (await teams.post(teams.activities.submit(user, card_id, press))).status == 200
    form_call = teams.connector.sent()[-1]
    return card_id, form_call.answer["id"], submit_data(form_call.cards[0], "Send")


async def test_a_card_answering_a_form_replaces_the_card_whose_button_opened_it(
    teams_for,
) -> None:
    received: list[dict[str, Any]] = []
    teams = await teams_for(decide_router(received))
    user = teams.user("john@example.com", "John")
    card_id, form_id, data = await open_from_card(teams, user)
    conversation = personal(user)["id"]
    assert data[RESERVED][ORIGIN] == {"activity": card_id, "conversation": conversation}

    await teams.post(teams.activities.submit(user, form_id, {**data, "why": "looks good"}))
    assert received == [{"n": "7"}]  # the origin is the adapter's, never the handler's
    card_update, form_update = teams.connector.sent()[-2:]
    assert card_update.method == "PUT"
    assert card_update.path == f"/v3/conversations/{conversation}/activities/{card_id}"
    assert texts(card_update.cards[0]) == ["Decided 7: looks good"]
    assert form_update.method == "PUT" and form_update.path.endswith(f"/activities/{form_id}")
    assert texts(form_update.cards[0]) == ["Why?", "✓"]


async def test_the_origin_survives_field_errors(teams_for) -> None:
    teams = await teams_for(decide_router([]))
    user = teams.user("john@example.com", "John")
    card_id, form_id, data = await open_from_card(teams, user)
    await teams.post(teams.activities.submit(user, form_id, {**data, "why": ""}))
    again = teams.connector.sent()[-1]
    assert again.path.endswith(f"/activities/{form_id}")
    data = submit_data(again.cards[0], "Send")
    assert data[RESERVED][ORIGIN]["activity"] == card_id
    await teams.post(teams.activities.submit(user, form_id, {**data, "why": "ok"}))
    card_update = teams.connector.sent()[-2]
    assert card_update.path.endswith(f"/activities/{card_id}")
    assert texts(card_update.cards[0]) == ["Decided 7: ok"]


async def test_an_action_execute_submit_closes_the_form_in_the_invoke_response(
    teams_for,
) -> None:
    teams = await teams_for(decide_router([]))
    user = teams.user("john@example.com", "John")
    card_id, form_id, data = await open_from_card(teams, user)
    sent = len(teams.connector.sent())
    response = await teams.post(teams.activities.execute(user, form_id, {**data, "why": "ok"}))
    assert response.status == 200
    assert texts((await response.json())["value"]) == ["Why?", "✓"]
    [card_update] = teams.connector.sent()[sent:]
    assert card_update.method == "PUT" and card_update.path.endswith(f"/activities/{card_id}")


async def test_a_form_opened_by_a_command_is_replaced_as_before(teams_for) -> None:
    teams = await teams_for(decide_router([]))
    user = teams.user("john@example.com", "John")
    await teams.say(user, "why")
    form_call = teams.connector.sent()[-1]
    data = submit_data(form_call.cards[0], "Send")
    assert ORIGIN not in data[RESERVED]
    await teams.post(teams.activities.submit(user, form_call.answer["id"], {**data, "why": "x"}))
    update = teams.connector.sent()[-1]
    assert update.path.endswith(f"/activities/{form_call.answer['id']}")
    assert texts(update.cards[0]) == ["Decided cmd: x"]


async def test_an_origin_in_another_conversation_or_of_the_wrong_shape_is_ignored(
    teams_for,
) -> None:
    teams = await teams_for(decide_router([]))
    user = teams.user("john@example.com", "John")
    card_id, form_id, data = await open_from_card(teams, user)
    other = personal(teams.user("mert@example.com", "Mert"))["id"]
    forged = [
        {"activity": card_id, "conversation": other},
        {"activity": card_id},
        {"activity": 7, "conversation": personal(user)["id"]},
        {"activity": "x" * 300, "conversation": personal(user)["id"]},
        "act-1",
    ]
    for n, origin in enumerate(forged):
        own = {**data[RESERVED], ORIGIN: origin}
        values = {**data, RESERVED: own, "why": f"try {n}"}
        await teams.post(teams.activities.submit(user, form_id, values))
        update = teams.connector.sent()[-1]
        assert update.path.endswith(f"/activities/{form_id}"), n
        assert texts(update.cards[0]) == [f"Decided 7: try {n}"], n
    assert not [c for c in teams.connector.sent() if c.path.endswith(f"/{card_id}")]
    assert not [c for c in teams.connector.calls if other in c.path]


async def test_a_card_that_cannot_be_updated_leaves_the_answer_in_the_form(teams_for) -> None:
    teams = await teams_for(decide_router([]))
    user = teams.user("john@example.com", "John")
    card_id, form_id, data = await open_from_card(teams, user)
    teams.connector.fail(f"/activities/{card_id}", Fault(404, "NotFound"))
    await teams.post(teams.activities.submit(user, form_id, {**data, "why": "ok"}))
    update = teams.connector.sent()[-1]
    assert update.path.endswith(f"/activities/{form_id}")
    assert texts(update.cards[0]) == ["Decided 7: ok"]
