"""Proactive sends on Slack against the stand-in: DMs, updates, and what a refusal means."""

from __future__ import annotations

import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.sender import SlackSender, to_delivery_error
from bot.compose import build_services
from bot.replies import Button, Card, Text
from bot.transport import DeliveryError
from storage.engine import session_scope
from storage.people import Person, PlatformAccount
from tests.support.slack import Fault, slack_settings


def sender_for(engine, slack_api) -> SlackSender:
    return SlackSender(slack_settings(engine, slack_api))


async def test_a_card_goes_to_the_dm_opened_for_the_user(sqlite_engine, slack_api) -> None:
    sender = sender_for(sqlite_engine, slack_api)
    ref = await sender.post("U0AYSE", None, Card("News", buttons=(Button("Share", "s", "1"),)))
    [opened] = slack_api.called("conversations.open")
    assert opened["users"] == "U0AYSE"
    [posted] = slack_api.called("chat.postMessage")
    assert posted["channel"] == ref["channel"] == "D0AYSE" and ref["ts"]
    await sender.update(ref, Card("News (shared)"))
    [updated] = slack_api.called("chat.update")
    assert (updated["channel"], updated["ts"], updated["text"]) == (
        "D0AYSE",
        ref["ts"],
        "News (shared)",
    )


async def test_a_stored_conversation_is_used_without_opening_one(sqlite_engine, slack_api) -> None:
    await sender_for(sqlite_engine, slack_api).deliver("U0AYSE", {"channel": "D0KNOWN"}, Text("hi"))
    assert slack_api.called("conversations.open") == []
    assert slack_api.called("chat.postMessage")[0]["channel"] == "D0KNOWN"


@pytest.mark.parametrize(
    "error", ["user_not_found", "account_inactive", "cannot_dm_bot", "invalid_auth"]
)
async def test_refusals_that_retrying_cannot_fix_are_permanent(
    sqlite_engine, slack_api, error
) -> None:
    slack_api.fail("chat.postMessage", Fault(status=200, error=error, headers={}))
    with pytest.raises(DeliveryError) as raised:
        await sender_for(sqlite_engine, slack_api).deliver("U0AYSE", {"channel": "D1"}, Text("x"))
    assert raised.value.permanent and raised.value.reason == error


async def test_slack_trouble_is_transient(sqlite_engine, slack_api) -> None:
    slack_api.fail("chat.postMessage", Fault(status=200, error="fatal_error", headers={}))
    with pytest.raises(DeliveryError) as raised:
        await sender_for(sqlite_engine, slack_api).deliver("U0AYSE", {"channel": "D1"}, Text("x"))
    assert not raised.value.permanent


async def test_a_429_is_waited_out_and_the_send_goes_through(sqlite_engine, slack_api) -> None:
    slack_api.fail("chat.postMessage", Fault(headers={"Retry-After": "1"}))
    started = time.monotonic()
    await sender_for(sqlite_engine, slack_api).deliver("U0AYSE", {"channel": "D1"}, Text("x"))
    assert len(slack_api.called("chat.postMessage")) == 2
    assert time.monotonic() - started >= 1.0


def test_a_rate_limit_that_outlasts_the_retries_is_transient_with_retry_after() -> None:
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="http://127.0.0.1/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": "ratelimited"},
        headers={"Retry-After": "30"},
        status_code=429,
    )
    error = to_delivery_error(SlackApiError("ratelimited", response))
    assert (error.permanent, error.retry_after) == (False, 30.0)
    assert not to_delivery_error(TimeoutError()).permanent


async def test_outbound_sends_to_a_persons_slack_account(engine, slack_api) -> None:
    services = build_services(slack_settings(engine, slack_api), engine)
    with session_scope(engine) as session:
        person = Person(email="ayse@example.com", name="Ayşe", roles=["employee"])
        session.add(person)
        session.flush()
        session.add(
            PlatformAccount(
                platform="slack",
                tenant="T0ELCI001",
                user_id="U0AYSE",
                person_id=person.id,
                conversation_ref={"channel": "D0AYSE"},
            )
        )
        person_id = person.id
    assert await services.outbound.send(person_id, Text("Campaign!")) == "slack"
    assert slack_api.called("chat.postMessage")[0]["channel"] == "D0AYSE"


async def test_a_department_channel_gets_the_post(sqlite_engine, slack_api) -> None:
    services = build_services(slack_settings(sqlite_engine, slack_api), sqlite_engine)
    assert services.outbound.can_post_to("slack")
    await services.outbound.send_to_channel("slack", "C0LEGAL", Card("New request"))
    [posted] = slack_api.called("chat.postMessage")
    assert posted["channel"] == "C0LEGAL" and slack_api.called("conversations.open") == []
    slack_api.fail("chat.postMessage", Fault(status=200, error="not_in_channel", headers={}))
    with pytest.raises(DeliveryError) as raised:
        await services.outbound.send_to_channel("slack", "C0LEGAL", Text("again"))
    assert raised.value.permanent and raised.value.reason == "not_in_channel"
