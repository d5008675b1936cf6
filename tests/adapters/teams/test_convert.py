"""The pure converters: activities to neutral events, neutral replies to Adaptive Cards."""

from __future__ import annotations

import json

import pytest

from adapters.teams.fit import ACTIVITY_LIMIT, CARD_BUDGET, fit_text, wire_size
from adapters.teams.inbound import RESERVED, strip_mentions, to_event
from adapters.teams.render import escape, to_card, to_closed_card, to_form_card, to_input
from adapters.teams.transport import to_activity
from bot.events import Action, FormSubmit, Installed, Message
from bot.replies import Button, Card, Fact, Form, FormField, LinkButton, Option, Text
from tests.support.teams import TENANT, Activities, TeamsUser, card_violations

USER = TeamsUser("29:1ayse", "Ayşe", "ayse@example.com", "aad-ayse")
ACTIVITIES = Activities("https://smba.trafficmanager.net/emea/")


def valid(card: dict) -> dict:
    assert card_violations(card, "card") == []
    return card


def test_a_message_is_a_neutral_message_with_actor_and_reference() -> None:
    event = to_event(ACTIVITIES.message(USER, "help me", locale="tr-TR"))
    assert isinstance(event, Message) and event.text == "help me"
    assert event.actor.platform == "teams" and event.actor.user_id == USER.id
    assert event.actor.tenant == TENANT and event.actor.locale == "tr-TR"
    assert event.actor.timezone == "Europe/Istanbul" and event.actor.email is None
    assert event.conversation.kind == "direct"
    ref = event.conversation.ref
    assert ref["serviceUrl"] == ACTIVITIES.service_url and ref["tenantId"] == TENANT
    assert ref["user"]["aadObjectId"] == "aad-ayse" and "activityId" not in ref


def test_the_locale_falls_back_to_client_info() -> None:
    activity = ACTIVITIES.message(USER, "help", locale="tr-TR")
    del activity["locale"]
    assert to_event(activity).actor.locale == "tr-TR"


def test_channel_mentions_are_stripped() -> None:
    event = to_event(ACTIVITIES.channel_message(USER, "share  now"))
    assert isinstance(event, Message) and event.text == "share now"
    assert event.conversation.kind == "channel"
    assert strip_mentions("<at>Elçi</at>&nbsp;lang <AT>Bot</AT> tr\n") == "lang tr"


def test_a_submit_is_an_action_or_a_form_by_elcis_own_data() -> None:
    press = ACTIVITIES.submit(
        USER, "9", {RESERVED: {"kind": "action", "id": "c.close", "value": "7"}, "note": "x"}
    )
    action = to_event(press)
    assert isinstance(action, Action)
    assert (action.action_id, action.value, action.values) == ("c.close", "7", {"note": "x"})
    form = to_event(
        ACTIVITIES.submit(
            USER, "9", {RESERVED: {"kind": "form", "id": "t.f", "state": {"a": 1}}, "id": "x"}
        )
    )
    assert isinstance(form, FormSubmit)
    assert (form.form_id, form.values, form.state) == ("t.f", {"id": "x"}, {"a": 1})
    invoke = ACTIVITIES.execute(USER, "9", {RESERVED: {"kind": "action", "id": "a", "value": ""}})
    assert isinstance(to_event(invoke), Action)


def test_foreign_values_and_empty_messages_are_ignored() -> None:
    assert to_event(ACTIVITIES.submit(USER, "9", {"action": "someone else's card"})) is None
    assert to_event(ACTIVITIES.message(USER, "<at>Elçi</at>")) is None
    assert to_event({"type": "typing"}) is None


def test_installs_are_installed_events() -> None:
    installation, joined = ACTIVITIES.installed(USER)
    assert isinstance(to_event(installation), Installed)
    assert isinstance(to_event(joined), Installed)
    removed = {**installation, "action": "remove"}
    assert to_event(removed) is None
    someone = {**joined, "membersAdded": [{"id": "29:1other"}]}
    assert to_event(someone) is None


def test_a_card_has_every_part_and_validates() -> None:
    card = valid(
        to_card(
            Card(
                "Title",
                body="line one\nline two",
                facts=(Fact("Points", "12"),),
                image_url="https://example.com/a.png",
                buttons=(
                    Button("Share", "s.share", "1", "primary"),
                    Button("Drop", "s.drop", style="danger"),
                    LinkButton("Open", "https://example.com/a"),
                    LinkButton("Evil", "javascript:alert(1)"),
                ),
                footer="small print",
                highlight=True,
            )
        )
    )
    (container,) = card["body"]
    kinds = [item["type"] for item in container["items"]]
    assert kinds == ["TextBlock", "TextBlock", "FactSet", "Image", "TextBlock", "ActionSet"]
    assert container["items"][1]["text"] == "line one\n\nline two"
    actions = container["items"][-1]["actions"]
    assert [a["type"] for a in actions] == ["Action.Submit", "Action.Submit", "Action.OpenUrl"]
    assert [a["style"] for a in actions[:2]] == ["positive", "destructive"]
    assert actions[0]["data"] == {RESERVED: {"kind": "action", "id": "s.share", "value": "1"}}


def test_user_text_cannot_make_a_markdown_link() -> None:
    card = to_card(Card("[Click](https://evil.example)", body="see [here](http://x) {{DATE(x)}}"))
    flat = json.dumps(card, ensure_ascii=False)
    assert "](" not in flat and "{{" not in flat
    assert escape("a [b](c)") == "a [b]\u200b(c)"
    assert "](" not in to_activity(Text("[x](http://evil)")).text


def test_a_form_renders_every_kind_with_values_and_errors() -> None:
    form = Form(
        "f",
        "Form",
        submit_label="Send",
        cancel_label="Cancel",
        state={"k": "v"},
        fields=(
            FormField("t", "Text", required=True, max_length=10, placeholder="…"),
            FormField("m", "Long", kind="multiline", hint="a hint"),
            FormField("s", "One", kind="select", options=(Option("a", "A"),)),
            FormField(
                "ms", "Many", kind="multiselect", options=(Option("a", "A"), Option("b", "B"))
            ),
            FormField("d", "Day", kind="date", initial="2024-01-02"),
            FormField("c", "Yes?", kind="checkbox", initial=True),
        ),
        errors={"t": "Too long", "d": "Bad date"},
        values={"t": "x" * 12, "ms": ["a", "b"]},
    )
    card = valid(to_form_card(form, "Required!"))
    inputs = {e["id"]: e for e in card["body"] if "id" in e}
    assert inputs["t"]["errorMessage"] == "Too long" and inputs["t"]["maxLength"] == 10
    assert inputs["d"]["errorMessage"] == "Bad date" and inputs["d"]["value"] == "2024-01-02"
    assert inputs["ms"]["value"] == "a,b" and inputs["c"]["value"] == "true"
    assert inputs["c"]["title"] == "Yes?"
    shown = [e["text"] for e in card["body"] if e["type"] == "TextBlock"]
    assert "Too long" in shown and "a hint" in shown
    cancel = card["body"][-1]["actions"][1]
    assert cancel["associatedInputs"] == "none" and cancel["data"][RESERVED]["kind"] == "cancel"
    assert to_input(FormField("x", "X", required=True), None, "", "Required!")["errorMessage"] == (
        "Required!"
    )
    with pytest.raises(ValueError):
        to_input(FormField(RESERVED, "X"), None, "", "")
    valid(to_closed_card("Form", "✓"))


def test_huge_cards_forms_and_texts_fit_in_an_activity() -> None:
    big = to_card(
        Card(
            "T" * 5000,
            body="ş" * 60_000,
            facts=tuple(Fact(f"f{n}", "v" * 300) for n in range(300)),
            buttons=(Button("B", "b", "v"),),
        )
    )
    assert wire_size(big) <= CARD_BUDGET
    assert valid(big)["body"][-1]["actions"][0]["data"][RESERVED]["id"] == "b"
    options = tuple(Option(f"o{n}", f"Option {n} " + "ğ" * 40) for n in range(3000))
    form = Form("f", "F", (FormField("s", "S", kind="select", options=options),), "Send")
    fitted = valid(to_form_card(form, "Required"))
    assert wire_size(fitted) <= CARD_BUDGET
    assert fitted["body"][1]["choices"][0] == {"title": options[0].label, "value": "o0"}
    text = fit_text("ı" * 100_000)
    assert wire_size(text) <= CARD_BUDGET and text.endswith("…")
    activity = to_activity(Card("x", body="y" * 100_000)).serialize()
    assert len(json.dumps(activity)) < ACTIVITY_LIMIT
