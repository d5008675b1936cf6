"""Block Kit rendering: escaping, Slack's limits, and forms as modals. Pure, no server."""

from __future__ import annotations

import base64
import json
import zlib

import pytest

from adapters.slack.forms import (
    FormTooLarge,
    from_metadata,
    to_errors,
    to_metadata,
    to_modal,
    to_values,
)
from adapters.slack.render import (
    escape,
    fit_mrkdwn,
    from_action_id,
    to_blocks,
    to_home_view,
    to_message,
)
from adapters.slack.transport import from_open_form_value, to_open_form_value
from bot.replies import Button, Card, Fact, Form, FormField, LinkButton, Option, Text
from tests.support.slack import block_violations, message_violations, view_violations


def test_user_text_is_escaped_wherever_it_enters_mrkdwn() -> None:
    card = Card(
        title="<!channel>",
        body="Hi <@U0BOSS> & <!here|here>",
        facts=(Fact("<b>", "<!everyone>"),),
        footer="<https://evil.example|click>",
    )
    rendered = json.dumps(to_message(card))
    for raw in ("<!everyone>", "<@U0BOSS>", "<!here|here>", "<https://evil"):
        assert raw not in rendered
    assert "Hi &lt;@U0BOSS&gt; &amp; &lt;!here|here&gt;" in rendered
    assert to_message(Text("<!channel>"))["text"] == "&lt;!channel&gt;"


def test_cut_text_never_splits_an_entity() -> None:
    text = fit_mrkdwn("a" * 10 + "<" * 10, 16)
    assert text == "aaaaaaaaaa&lt;…" and len(text) <= 16
    assert escape("a&b") == "a&amp;b"


def test_every_limit_is_respected_and_the_result_validates() -> None:
    card = Card(
        title="T" * 500,
        body="B" * 10_000,
        facts=tuple(Fact(f"label {i}", "v" * 3000) for i in range(23)),
        image_url="https://example.org/i.png",
        buttons=(
            *(Button("L" * 200, f"act.{i}", "v" * 100) for i in range(30)),
            LinkButton("Open", "https://example.org"),
        ),
        footer="F" * 5000,
        highlight=True,
    )
    message = to_message(card)
    assert not message_violations(message, "card")
    blocks = message["blocks"]
    assert blocks[0]["text"]["text"].startswith("★ ") and len(blocks[0]["text"]["text"]) == 150
    assert blocks[1]["text"]["text"].endswith("…") and len(blocks[1]["text"]["text"]) == 3000
    assert [len(b["fields"]) for b in blocks if "fields" in b] == [10, 10, 3]
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) == 31 and all(len(b["text"]["text"]) <= 75 for b in buttons)
    assert len({b["action_id"] for b in buttons}) == 31


def test_a_button_that_cannot_be_sent_as_it_is_is_dropped_not_truncated() -> None:
    card = Card("T", buttons=(Button("Too much", "x", "v" * 2001), Button("Fine", "y", "1")))
    [actions] = [b for b in to_blocks(card) if b["type"] == "actions"]
    assert [e["text"]["text"] for e in actions["elements"]] == ["Fine"]


def test_action_ids_are_unique_per_message_and_decode_back() -> None:
    card = Card("Share", buttons=(Button("X", "share", "x"), Button("In", "share", "li")))
    [actions] = [b for b in to_blocks(card) if b["type"] == "actions"]
    ids = [e["action_id"] for e in actions["elements"]]
    assert len(set(ids)) == 2
    assert [from_action_id(i) for i in ids] == ["share", "share"]
    link = to_blocks(Card("L", buttons=(LinkButton("Go", "https://e.org"),)))[-1]
    assert from_action_id(link["elements"][0]["action_id"]) is None


def test_home_keeps_whole_sections_within_100_blocks() -> None:
    section = Card("S", body="b", facts=(Fact("a", "b"),))  # 3 blocks each
    view = to_home_view([section] * 40)
    assert len(view["blocks"]) <= 100
    assert not view_violations(view, "home")
    assert view["blocks"][-1]["type"] != "divider"


def field_form(**kw) -> Form:
    return Form(
        "drafts.new",
        "Write a blog draft for review",
        fields=(
            FormField("title", "Title", required=True, max_length=5000, placeholder="P" * 300),
            FormField("body", "Text", kind="multiline", initial="hello"),
            FormField(
                "net",
                "Network",
                kind="select",
                options=tuple(Option(f"o{i}", "L" * 90) for i in range(120)),
                initial="o3",
            ),
            FormField("tags", "Tags", kind="multiselect", options=(Option("a", "A"),)),
            FormField("when", "When", kind="date", initial="2026-01-02"),
            FormField("ok", "OK", kind="checkbox", initial=True, hint="I agree"),
        ),
        submit_label="Send for review please",
        cancel_label="Cancel",
        intro="Drafts <!channel> go to review.",
        **kw,
    )


def test_a_form_becomes_a_valid_modal_with_block_ids_equal_to_field_names() -> None:
    view = to_modal(field_form(state={"draft": 7}))
    assert not view_violations(view, "modal")
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [
        "title",
        "body",
        "net",
        "tags",
        "when",
        "ok",
    ]
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
    assert "&lt;!channel&gt;" in view["blocks"][0]["text"]["text"]
    select = view["blocks"][3]["element"]
    assert len(select["options"]) == 100 and select["initial_option"]["value"] == "o3"
    assert from_metadata(view["private_metadata"]) == ("drafts.new", {"draft": 7})


def test_state_that_does_not_fit_private_metadata_is_refused() -> None:
    with pytest.raises(FormTooLarge):
        to_metadata(field_form(state={"blob": "x" * 3000}))
    assert from_metadata("not json") == ("", {})
    assert from_metadata('{"_elci_form": "f", "_elci_state": [1]}') == ("f", {})


def test_submitted_state_values_become_field_values() -> None:
    values = to_values(
        {
            "title": {"value": {"type": "plain_text_input", "value": None}},
            "net": {"value": {"type": "static_select", "selected_option": {"value": "x"}}},
            "tags": {
                "value": {
                    "type": "multi_static_select",
                    "selected_options": [{"value": "a"}, {"value": "b"}],
                }
            },
            "when": {"value": {"type": "datepicker", "selected_date": "2026-01-02"}},
            "ok": {"value": {"type": "checkboxes", "selected_options": []}},
        }
    )
    assert values == {
        "title": "",
        "net": "x",
        "tags": ["a", "b"],
        "when": "2026-01-02",
        "ok": False,
    }


def test_errors_only_name_blocks_the_modal_has() -> None:
    view = to_modal(field_form())
    errors = to_errors({"net": "Pick one", "nonsense": "Something else"}, view)
    assert errors == {"net": "Pick one", "title": "Something else"}


def test_a_form_packed_into_a_button_comes_back_whole() -> None:
    view = to_modal(field_form(state={"draft": 7}))
    value = to_open_form_value(view)
    assert value is not None and len(value) <= 2000
    assert from_open_form_value(value) == view
    assert from_open_form_value("garbage!") is None
    bomb = base64.urlsafe_b64encode(zlib.compress(b"[" * 1_500_000, 9)).decode()
    assert len(bomb) <= 2000 and from_open_form_value(bomb) is None


def test_block_validation_catches_what_slack_refuses() -> None:
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    assert block_violations(too_long, "b", 50)
    unknown = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "colour": "red"}]
    assert block_violations(unknown, "b", 50)
