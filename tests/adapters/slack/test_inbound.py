"""Slack payloads as neutral events, shaped like Slack's own samples. Pure, no server."""

from __future__ import annotations

import json
from pathlib import Path

from adapters.slack.inbound import EVENTS, strip_mention, to_event, to_route
from bot.events import Action, Command, FormSubmit, HomeOpened, Message
from tests.support.slack import (
    SPECS,
    block_actions,
    direct_message,
    event_callback,
    home_opened,
    mention,
    slash_command,
)

SAMPLES = Path(SPECS) / "slack-samples"


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text("utf-8"))


def test_a_slash_command_is_a_command_with_its_words() -> None:
    event = to_event(slash_command('share 12 "my caption" &amp;', "U1", "C1", "http://r"))
    assert isinstance(event, Command)
    assert (event.verb, event.args) == ("share", ("12", "my caption", "&"))
    assert (event.actor.platform, event.actor.user_id, event.actor.tenant) == (
        "slack",
        "U1",
        "T0ELCI001",
    )
    assert event.conversation.kind == "channel"
    bare = to_event(slash_command("", "U1", "C1", "http://r"))
    assert isinstance(bare, Command) and bare.verb == "help"


def test_the_sample_slash_payload_has_the_fields_we_read() -> None:
    keys = set(sample("SlashCommandPayload.json"))
    assert {"team_id", "channel_id", "user_id", "command", "text", "response_url"} <= keys
    assert {"trigger_id"} <= keys


def test_a_direct_message_is_a_message_in_a_direct_conversation() -> None:
    event = to_event(event_callback(direct_message("help me &lt;3"), "Ev1"))
    assert isinstance(event, Message)
    assert event.text == "help me <3"
    assert event.conversation.kind == "direct" and event.conversation.ref == {"channel": "D0AYSE"}


def test_messages_that_are_not_someone_talking_to_the_bot_are_none() -> None:
    for extra in ({"bot_id": "B1"}, {"subtype": "message_deleted"}, {"channel_type": "channel"}):
        assert to_event(event_callback({**direct_message("x"), **extra}, "Ev")) is None


def test_a_mention_loses_the_bots_mention_only() -> None:
    event = to_event(event_callback(mention("help"), "Ev"), "U0ELCIBOT")
    assert isinstance(event, Message) and event.text == "help"
    assert event.conversation.ref["thread_ts"]
    assert strip_mention("<@U0OTHER> help", "U0ELCIBOT") == "<@U0OTHER> help"
    assert strip_mention("<@U0ELCIBOT|elci>: help", "U0ELCIBOT") == "help"


def test_app_home_is_home_only_for_the_home_tab() -> None:
    opened = to_event(event_callback(home_opened(), "Ev"))
    assert isinstance(opened, HomeOpened) and opened.conversation.kind == "home"
    assert to_event(event_callback(home_opened(tab="messages"), "Ev")) is None


def test_the_event_table_covers_the_sample_events() -> None:
    for name in ("AppHomeOpenedPayload.json", "AppMentionPayload.json", "MessagePayload.json"):
        assert sample(name)["event"]["type"] in EVENTS


def test_an_action_from_app_home_has_no_channel_and_does_not_fail() -> None:
    payload = block_actions("0:help.show", "v")
    payload.pop("channel")
    payload["container"] = {"type": "view", "view_id": "V1"}
    payload["view"] = {"id": "V1", "type": "home"}
    event = to_event(payload)
    assert isinstance(event, Action) and event.action_id == "help.show"
    assert event.conversation.kind == "home"
    route = to_route(payload)
    assert (route.channel, route.response_url, route.message_ts) == ("", "", "")


def test_an_action_in_an_ephemeral_message_answers_ephemerally() -> None:
    payload = block_actions("0:x", channel="C1", response_url="http://r", ephemeral=True)
    event = to_event(payload)
    assert isinstance(event, Action) and event.conversation.kind == "channel"
    route = to_route(payload)
    assert route.channel == "" and route.ephemeral and route.response_url == "http://r"


def test_a_link_button_click_is_no_event() -> None:
    assert to_event(block_actions("elci-link:0")) is None


def test_a_view_submission_carries_form_id_state_and_values() -> None:
    view = {
        "type": "modal",
        "private_metadata": '{"_elci_form":"f","_elci_state":{"k":1}}',
        "blocks": [],
    }
    payload = sample("ViewSubmissionPayload.json")
    payload["user"]["id"] = "U1"
    payload["view"].update(view)
    payload["view"]["state"] = {
        "values": {"title": {"value": {"type": "plain_text_input", "value": "Hi"}}}
    }
    event = to_event(payload)
    assert isinstance(event, FormSubmit)
    assert (event.form_id, event.state, event.values) == ("f", {"k": 1}, {"title": "Hi"})
    payload["view"]["private_metadata"] = "someone else's"
    assert to_event(payload) is None
