"""Property-based tests (Hypothesis) over every parser and normaliser that reads outside input.

Each property says what the code promises for ANY input, not for the examples we thought
of: a Slack body or Teams activity becomes a well-typed neutral event, None, or (Slack)
the documented ``MalformedPayload``; a directory file gives rows or numbered errors; the
policy check reports spans inside the text; tracked-link codes are recognised exactly;
and escaping leaves nothing a platform would read as markup. Example counts stay small
(``PROPERTY``) so the suite stays fast; set ``HYPOTHESIS_MAX_EXAMPLES`` for a longer hunt.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import types
import typing
from dataclasses import fields, is_dataclass
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from adapters.slack import inbound as slack_inbound
from adapters.slack.render import escape as slack_escape
from adapters.slack.render import fit_mrkdwn, to_home_view, to_message, unescape
from adapters.teams import inbound as teams_inbound
from adapters.teams.endpoint import delivery_key
from adapters.teams.render import escape as teams_escape
from adapters.teams.render import to_card, to_message_text
from bot import events
from bot.directory import COLUMNS, read_directory
from bot.lint import DEFAULT_RULES, lint
from bot.replies import Button, Card, Fact, LinkButton, Text
from bot.tracking.urls import destination_url, is_code, new_code, share_intent_url

PROPERTY = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
HOSTILE_TEXT = [
    "<!channel>",
    "<!here|here>",
    "<@U0123ABCD>",
    "<#C0123|general>",
    "<https://evil.example|https://bank.example>",
    "&lt;!channel&gt;",
    "[bank](https://evil.example)",
    "[a]( https://evil.example)",
    "{{DATE(2017-02-14T06:08:39Z)}}",
    "{{{x}}}",
    "](",
]

# --- strategies ---------------------------------------------------------------------------

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
texts = st.text() | st.sampled_from(HOSTILE_TEXT)


def shaped(keys: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with some of ``keys`` (plausible values or any JSON) and maybe a stray key."""
    return st.fixed_dictionaries(
        {}, optional={key: strategy | json_values for key, strategy in keys.items()}
    ) | st.dictionaries(st.text(max_size=8), json_values, max_size=3)


slack_user = shaped({"id": st.just("U0AYSE"), "team_id": st.just("T0ELCI001")})
slack_state = shaped(
    {
        "values": st.dictionaries(
            st.text(max_size=6),
            st.dictionaries(
                st.text(max_size=6),
                shaped(
                    {
                        "type": st.sampled_from(
                            [
                                "plain_text_input",
                                "static_select",
                                "multi_static_select",
                                "checkboxes",
                                "datepicker",
                                "radio_buttons",
                            ]
                        ),
                        "value": texts,
                        "selected_option": shaped({"value": texts}),
                        "selected_options": st.lists(shaped({"value": texts}), max_size=2),
                    }
                ),
                max_size=2,
            ),
            max_size=2,
        )
    }
)
slack_event = shaped(
    {
        "type": st.sampled_from(["message", "app_mention", "app_home_opened", "reaction_added"]),
        "user": st.just("U0AYSE"),
        "text": texts,
        "channel": st.sampled_from(["D0DM", "C0GENERAL", ""]),
        "channel_type": st.sampled_from(["im", "channel"]),
        "tab": st.sampled_from(["home", "messages"]),
        "ts": st.just("1700000000.000100"),
        "thread_ts": st.just("1700000000.000100"),
        "subtype": st.just("message_changed"),
    }
)
slack_bodies = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(
            ["event_callback", "block_actions", "view_submission", "url_verification"]
        )
        | json_values,
        "command": st.just("/elci") | json_values,
        "text": texts | json_values,
        "user_id": st.just("U0AYSE") | json_values,
        "team_id": st.just("T0ELCI001") | json_values,
        "channel_id": st.just("C0GENERAL") | json_values,
        "event": slack_event | json_values,
        "user": slack_user | json_values,
        "team": shaped({"id": st.just("T0ELCI001")}) | json_values,
        "actions": st.lists(
            shaped(
                {
                    "action_id": st.sampled_from(["0:share", "elci-link:1", ""]) | texts,
                    "value": texts,
                }
            ),
            max_size=2,
        )
        | json_values,
        "state": slack_state | json_values,
        "view": shaped(
            {
                "id": st.just("V1"),
                "type": st.sampled_from(["modal", "home"]),
                "private_metadata": st.just('{"form": "draft", "state": {}}') | texts,
                "state": slack_state,
            }
        )
        | json_values,
        "container": shaped(
            {
                "channel_id": st.just("D0DM"),
                "is_ephemeral": st.booleans(),
                "message_ts": st.just("1.2"),
            }
        )
        | json_values,
        "channel": shaped({"id": st.just("C0GENERAL")}) | json_values,
        "challenge": texts | json_values,
    },
)

teams_account = shaped({"id": st.just("29:1abc"), "name": texts, "aadObjectId": st.text()})
teams_activities = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["message", "invoke", "installationUpdate", "conversationUpdate"])
        | json_values,
        "id": st.text() | json_values,
        "text": texts | json_values,
        "name": st.just("adaptiveCard/action") | json_values,
        "action": st.just("add") | json_values,
        "from": teams_account | json_values,
        "recipient": teams_account | json_values,
        "conversation": shaped(
            {
                "id": st.text(),
                "conversationType": st.sampled_from(["personal", "channel"]),
                "tenantId": st.text(),
                "isGroup": st.booleans(),
            }
        )
        | json_values,
        "channelData": shaped({"tenant": shaped({"id": st.text()})}) | json_values,
        "entities": st.lists(
            shaped({"type": st.just("clientInfo"), "locale": st.text(), "timezone": st.text()}),
            max_size=2,
        )
        | json_values,
        "membersAdded": st.lists(teams_account, max_size=2) | json_values,
        "value": shaped(
            {
                "__elci": shaped(
                    {
                        "kind": st.sampled_from(["action", "form", "cancel"]),
                        "id": texts,
                        "value": texts,
                        "state": json_values,
                        "origin": json_values,
                    }
                ),
                "action": shaped({"data": json_values}),
            }
        )
        | json_values,
        "replyToId": st.text() | json_values,
        "locale": st.sampled_from(["tr-TR", "en-US"]) | json_values,
        "localTimezone": st.text() | json_values,
        "serviceUrl": st.text() | json_values,
        "channelId": st.text() | json_values,
    },
)


# --- what a neutral event must look like ---------------------------------------------------


def conforms(value: Any, annotation: Any) -> bool:
    """``value`` fits the type annotation (the few shapes bot.events uses)."""
    origin = typing.get_origin(annotation)
    if annotation is Any:
        return True
    if origin is typing.Literal:
        return value in typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, arg) for arg in typing.get_args(annotation))
    if origin is tuple:
        item = typing.get_args(annotation)[0]
        return isinstance(value, tuple) and all(conforms(v, item) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(isinstance(k, str) for k in value)
    if annotation is type(None):
        return value is None
    if is_dataclass(annotation):
        return isinstance(value, annotation) and well_typed(value)
    return isinstance(value, annotation)


def well_typed(event: Any) -> bool:
    hints = typing.get_type_hints(type(event), vars(events))
    return all(conforms(getattr(event, f.name), hints[f.name]) for f in fields(event))


def assert_neutral(event: Any, platform: str) -> None:
    if event is None:
        return
    assert isinstance(event, typing.get_args(events.Event))
    assert well_typed(event), event
    assert event.actor.platform == platform


# --- Slack and Teams payloads → neutral events ------------------------------------------------


@PROPERTY
@given(slack_bodies)
@example({"command": "/elci", "user_id": ["U1"], "team_id": "T1"})
@example(
    {
        "type": "event_callback",
        "event": {
            "type": "message",
            "channel_type": "im",
            "user": 7,
            "channel": "D1",
            "text": "hi",
        },
    }
)
@example({"type": "block_actions", "user": {"id": {"x": 1}}, "actions": [{"action_id": "0:a"}]})
@example(
    {
        "type": "view_submission",
        "user": {"id": "U1"},
        "view": {"private_metadata": '{"form": "f"}', "state": {"values": {"b": [1]}}},
    }
)
def test_a_slack_body_is_an_event_none_or_malformed(body: dict[str, Any]) -> None:
    try:
        slack_inbound.check(body)
    except slack_inbound.MalformedPayload:
        return
    assert_neutral(slack_inbound.to_event(body, "U0BOT"), "slack")
    slack_inbound.to_route(body)


@PROPERTY
@given(teams_activities)
@example({"type": "message", "text": "hi", "entities": 5})
@example({"type": "conversationUpdate", "membersAdded": 3, "recipient": {"id": "b"}})
@example({"type": "message", "text": "hi", "from": {"id": "29:1", "name": 5}, "locale": ["tr"]})
@example({"type": "message", "text": "hi", "conversation": {"conversationType": [None]}})
def test_a_teams_activity_is_an_event_or_none(activity: dict[str, Any]) -> None:
    assert_neutral(teams_inbound.to_event(activity), "teams")
    assert isinstance(teams_inbound.to_tenant(activity), str)
    key = delivery_key(activity)
    assert key is None or re.fullmatch(r"[0-9a-f]{64}", key)
    for origin in (teams_inbound.to_origin(activity), teams_inbound.origin_of_press(activity)):
        assert origin is None or set(origin) == {"activity", "conversation"}


# --- people CSV -------------------------------------------------------------------------------

cells = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=20) | st.sampled_from(
    [
        "ayse@example.com",
        "AYSE@EXAMPLE.COM",
        "employee;hr",
        "group:pilot",
        "tr",
        "en",
        "Europe/Istanbul",
        "marketing",
        "U0AYSE",
        "=cmd|' /C calc'!A0",
        "",
    ]
)


@st.composite
def directory_files(draw: st.DrawFn) -> bytes:
    """A CSV with the real header (or a shuffled, damaged one) and rows of any cells."""
    header = list(draw(st.permutations(COLUMNS)))
    if draw(st.booleans()):
        header = draw(st.lists(st.sampled_from([*COLUMNS, "extra", ""]), max_size=12))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=len(header) + 1), max_size=5))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig"])))


@PROPERTY
@given(directory_files() | st.binary(max_size=300))
@example(b'email,name\n"unterminated')
@example(b"\xef\xbb\xbf")
@example(b"email\x00,name\n")
def test_a_directory_file_gives_rows_or_numbered_errors(data: bytes) -> None:
    rows, errors = read_directory(data, {"marketing", "hr"})
    for error in errors:
        assert error.line >= 1
        assert str(error)  # every reason formats, whatever the cell held
    if not errors:
        for row in rows:
            assert row.email == row.email.strip().lower() and "@" in row.email
            assert row.department in (None, "marketing", "hr")


# --- the policy check -------------------------------------------------------------------------

post_texts = st.text() | st.lists(
    st.sampled_from(
        [
            "10000000146",
            "TR33 0006 1005 1978 6457 8413 26",
            "+90 532 123 45 67",
            "ayse@example.com",
            "GİZLİ",
            "confidential",
            "https://evil.example/x",
            "#ad",
            "Elçi",
            " ",
            "\n",
            "ı",
            "İ",
            "ß",
            "\u0307",
        ]
    )
).map("".join)


@PROPERTY
@given(post_texts, st.sampled_from([None, ("x",), ("linkedin", "x"), ()]))
def test_the_policy_check_reports_spans_inside_the_text(text: str, networks: Any) -> None:
    for finding in lint(text, DEFAULT_RULES, networks):
        assert 0 <= finding.start <= finding.end <= len(text)
        assert finding.severity in ("block", "warn")


# --- tracked links ------------------------------------------------------------------------------


@PROPERTY
@given(st.text())
@example("A" * 21 + "\n")
@example("A" * 22 + "\n")
def test_only_22_url_safe_characters_make_a_code(text: str) -> None:
    assert is_code(text) == (
        len(text) == 22 and all(c.isascii() and (c.isalnum() or c in "-_") for c in text)
    )


def test_every_new_code_is_a_code() -> None:
    assert all(is_code(new_code()) for _ in range(1000))


@PROPERTY
@given(st.text(), st.sampled_from(["linkedin", "x", "facebook"]), st.text(), st.text())
@example("http://[::1", "x", "c", "a")
def test_destination_urls_keep_our_utm_parameters(
    url: str, network: str, campaign: str, advocate: str
) -> None:
    try:
        built = destination_url(url, network, campaign, advocate)
    except ValueError:  # urlsplit refuses the URL (a broken IPv6 host): documented
        return
    assert f"utm_source={network}" in built
    assert share_intent_url(network, built, campaign).startswith("https://")


# --- escaping -------------------------------------------------------------------------------------

SLACK_MARKUP = re.compile(r"<[!@#]|<https?:|<mailto:")


@PROPERTY
@given(texts)
def test_slack_escaping_is_complete_and_reversible(text: str) -> None:
    escaped = slack_escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert unescape(escaped) == text
    assert re.fullmatch(r"(?:[^&]|&(?:amp|lt|gt);)*", escaped, re.DOTALL)


@PROPERTY
@given(texts, st.integers(min_value=1, max_value=60))
def test_cut_mrkdwn_never_splits_an_entity(text: str, limit: int) -> None:
    cut = fit_mrkdwn(text, limit)
    assert len(cut) <= limit
    assert "<" not in cut and ">" not in cut
    assert re.fullmatch(r"(?:[^&]|&(?:amp|lt|gt);)*", cut, re.DOTALL)


cards = st.builds(
    Card,
    title=texts,
    body=texts,
    facts=st.lists(st.builds(Fact, label=texts, value=texts), max_size=3).map(tuple),
    buttons=st.lists(
        st.builds(Button, label=texts, action_id=st.text(max_size=20), value=st.text(max_size=20))
        | st.builds(LinkButton, label=texts, url=st.just("https://example.com/a")),
        max_size=3,
    ).map(tuple),
    footer=texts,
    highlight=st.booleans(),
)


def mrkdwn_texts(node: Any) -> list[str]:
    """Every string Slack would read as mrkdwn in a message or view."""
    if isinstance(node, list):
        return [text for item in node for text in mrkdwn_texts(item)]
    if not isinstance(node, dict):
        return []
    found = [node["text"]] if node.get("type") == "mrkdwn" else []
    return found + [text for value in node.values() for text in mrkdwn_texts(value)]


@PROPERTY
@given(cards | st.builds(Text, texts))
def test_no_slack_markup_survives_rendering(reply: Card | Text) -> None:
    message = to_message(reply)
    home = to_home_view([reply])
    for text in [message["text"], *mrkdwn_texts(message), *mrkdwn_texts(home)]:
        assert not SLACK_MARKUP.search(text), text


TEAMS_LINK = re.compile(r"\]\s*\(")


@PROPERTY
@given(texts)
@example("{{{")
@example("]](( {{{{")
def test_teams_escaping_is_idempotent_and_complete(text: str) -> None:
    escaped = teams_escape(text)
    assert teams_escape(escaped) == escaped
    assert "](" not in escaped and "{{" not in escaped
    assert escaped.replace("\u200b", "") == text


def card_texts(node: Any) -> list[str]:
    """Every TextBlock text, fact and fallback: what Teams reads as markdown."""
    if isinstance(node, list):
        return [text for item in node for text in card_texts(item)]
    if not isinstance(node, dict):
        return []
    found = []
    if node.get("type") == "TextBlock":
        found.append(node["text"])
    if "fallbackText" in node:
        found.append(node["fallbackText"])
    if "facts" in node:
        found += [part for fact in node["facts"] for part in (fact["title"], fact["value"])]
    return found + [text for value in node.values() for text in card_texts(value)]


@PROPERTY
@given(cards)
def test_no_markdown_link_or_template_survives_a_teams_card(card: Card) -> None:
    rendered = to_card(card)
    for text in card_texts(rendered):
        assert "](" not in text and "{{" not in text, text
    json.dumps(rendered)


@PROPERTY
@given(texts)
def test_no_markdown_link_survives_a_teams_message(text: str) -> None:
    shown = to_message_text(Text(text))
    assert "](" not in shown and "{{" not in shown
