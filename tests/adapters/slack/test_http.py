"""Elçi as a Slack app, over HTTP: signed requests in, a strict Web API stand-in out.

Every test here runs on SQLite and on PostgreSQL (the ``engine`` fixture), and every call
Elçi makes to the stand-in is checked against Slack's spec and Block Kit validators.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import time
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import select

from bot import logs
from bot.i18n import N_
from bot.replies import Button, Card, Form, FormField, Option, ReplaceCard
from bot.router import Router
from storage.dedup import SeenDelivery
from storage.engine import session_scope
from storage.people import Person, PlatformAccount, utcnow
from tests.support.slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    Fault,
    block_actions,
    direct_message,
    home_opened,
    mention,
    message_violations,
    view_submission,
    view_violations,
)


def add_person(engine, email: str, locale: str | None = None, roles=("employee",)) -> None:
    with session_scope(engine) as session:
        session.add(Person(email=email, name="Ayşe Yılmaz", roles=list(roles), locale=locale))


def count(engine, table) -> int:
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def all_text(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False)


async def test_help_in_english_answers_in_the_ack_and_links_the_account(slack, engine) -> None:
    add_person(engine, "ayse@example.com")
    slack.api.add_user("U0AYSE", "Ayse@Example.com", locale="en-US")
    response = await slack.command("help")
    assert response.status == 200
    body = await response.json()
    assert body["response_type"] == "ephemeral"
    assert not message_violations(body, "ack")
    assert "What I can do" in all_text(body)
    assert "help — show this list" in all_text(body)
    await slack.settle()
    with session_scope(engine) as session:
        account = session.exec(select(PlatformAccount)).one()
    assert (account.platform, account.tenant, account.user_id) == ("slack", "T0ELCI001", "U0AYSE")
    assert account.person_id is not None and account.timezone == "Europe/Istanbul"


async def test_help_in_turkish_from_the_slack_locale(slack, engine) -> None:
    add_person(engine, "ayse@example.com")
    slack.api.add_user("U0AYSE", "ayse@example.com", locale="tr-TR")
    body = await (await slack.command("yardım")).json()
    assert "Neler yapabilirim" in all_text(body)
    again = await (await slack.command("")).json()
    assert "Neler yapabilirim" in all_text(again)


async def test_users_info_is_cached_per_process(slack, engine) -> None:
    slack.api.add_user("U0AYSE", "ayse@example.com")
    for _ in range(3):
        await slack.command("help")
    assert len(slack.api.called("users.info")) == 1
    assert slack.api.called("users.info")[0]["include_locale"] in ("1", "true", True)


async def test_a_stranger_gets_help_and_a_word_about_the_directory(slack, engine) -> None:
    slack.api.add_user("U0GUEST", "guest@example.com")
    body = await (await slack.command("help", user="U0GUEST")).json()
    assert "not in the Elçi directory yet" in all_text(body)


async def test_unknown_verb_gets_a_suggestion(slack, engine) -> None:
    slack.api.add_user("U0AYSE", "ayse@example.com")
    body = await (await slack.command("hlep")).json()
    assert "Did you mean “help”?" in body["text"]


async def test_user_text_never_pings_anyone(slack, engine) -> None:
    slack.api.add_user("U0AYSE", "ayse@example.com")
    body = await (await slack.command("<!channel> <@U0BOSS> &")).json()
    text = all_text(body)
    assert "<!channel>" not in text and "<@U0BOSS>" not in text
    assert "&lt;!channel&gt;" in text
    await slack.event(direct_message("<!here> hi"))
    await slack.event(mention("<!everyone> hi"))
    await slack.settle()
    posted = all_text(slack.api.called("chat.postMessage"))
    assert "<!here>" not in posted and "<!everyone>" not in posted
    assert "&lt;!here&gt;" in posted and "&lt;!everyone&gt;" in posted


async def test_a_direct_message_is_read_as_a_command(slack, engine) -> None:
    slack.api.add_user("U0AYSE", "ayse@example.com")
    response = await slack.event(direct_message("help"))
    assert response.status == 200
    await slack.settle()
    [posted] = slack.api.called("chat.postMessage")
    assert posted["channel"] == "D0AYSE" and "What I can do" in posted["text"]
    with session_scope(engine) as session:
        assert session.exec(select(PlatformAccount)).one().conversation_ref == {"channel": "D0AYSE"}


async def test_a_mention_is_answered_in_its_thread_without_the_mention(slack, engine) -> None:
    slack.api.add_user("U0AYSE", "ayse@example.com")
    event = mention("help")
    await slack.event(event)
    await slack.settle()
    [posted] = slack.api.called("chat.postMessage")
    assert posted["channel"] == "C0GENERAL" and posted["thread_ts"] == event["ts"]
    assert "What I can do" in posted["text"]


async def test_own_and_edited_messages_are_ignored(slack, engine) -> None:
    await slack.event({**direct_message("help"), "bot_id": "B0ELCI"})
    await slack.event({**direct_message("help"), "subtype": "message_changed"})
    await slack.settle()
    assert slack.api.called("chat.postMessage") == []


async def test_a_redelivered_event_is_processed_once(slack, engine) -> None:
    slack.api.add_user("U0AYSE", "ayse@example.com")
    event = direct_message("help")
    first = await slack.event(event, event_id="Ev0REDELIVER")
    retry = await slack.event(
        event,
        event_id="Ev0REDELIVER",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert first.status == retry.status == 200
    await slack.settle()
    assert len(slack.api.called("chat.postMessage")) == 1
    assert count(engine, SeenDelivery) == 1


async def test_a_redelivery_to_another_process_is_skipped_there(slack_for, engine) -> None:
    first, second = await slack_for(), await slack_for()  # two servers, one database
    first.api.add_user("U0AYSE", "ayse@example.com")
    event = direct_message("help")
    await first.event(event, event_id="Ev0ELSEWHERE")
    await first.settle()
    await second.event(event, event_id="Ev0ELSEWHERE", headers={"X-Slack-Retry-Num": "1"})
    await second.settle()
    assert len(first.api.called("chat.postMessage")) == 1


def died_holding(engine, event_id: str) -> None:
    """The claim on ``event_id`` as a process that died mid-turn leaves it: undone, stale."""
    with session_scope(engine) as session:
        claim = session.get(SeenDelivery, ("slack", event_id))
        if claim is None:
            claim = SeenDelivery(source="slack", delivery_id=event_id)
        claim.done = False
        claim.seen_at = utcnow() - timedelta(hours=1)
        session.add(claim)


async def test_a_dm_answered_by_a_process_that_then_died_is_not_answered_again(
    slack_for, engine
) -> None:
    first, second = await slack_for(), await slack_for()
    first.api.add_user("U0AYSE", "ayse@example.com")
    event = direct_message("help")
    await first.event(event, event_id="Ev0DIED")
    await first.settle()
    [answer] = first.api.called("chat.postMessage")
    assert answer["metadata"] == {"event_type": "elci_turn", "event_payload": {"event": "Ev0DIED"}}
    died_holding(engine, "Ev0DIED")  # it answered, then died before marking the event done
    retry = await second.event(event, event_id="Ev0DIED", headers={"X-Slack-Retry-Num": "1"})
    await second.settle()
    assert retry.status == 200
    assert len(second.api.called("chat.postMessage")) == 1  # still only the first answer
    [history] = second.api.called("conversations.history")
    assert history["channel"] == "D0AYSE"
    with session_scope(engine) as session:
        assert session.get(SeenDelivery, ("slack", "Ev0DIED")).done


async def test_a_dm_whose_process_died_before_answering_is_answered_by_the_retry(
    slack, engine
) -> None:
    slack.api.add_user("U0AYSE", "ayse@example.com")
    event = direct_message("help")
    died_holding(engine, "Ev0UNANSWERED")
    await slack.event(direct_message("help", channel="D0OTHER"), event_id="Ev0ELSE")
    await slack.settle()  # another event's answer in another DM is not this one's
    retry = await slack.event(event, event_id="Ev0UNANSWERED", headers={"X-Slack-Retry-Num": "1"})
    await slack.settle()
    assert retry.status == 200
    answers = [call for call in slack.api.called("chat.postMessage") if call["channel"] == "D0AYSE"]
    assert len(answers) == 1 and "What I can do" in answers[0]["text"]


async def test_bad_signature_and_stale_timestamp_get_401_and_write_nothing(slack, engine) -> None:
    slack.api.add_user("U0AYSE", "ayse@example.com")
    forged = await slack.command("help", secret="not-the-signing-secret")
    stale = await slack.command("help", timestamp=int(time.time()) - 6 * 60)
    replayed_event = await slack.event(direct_message("help"), timestamp=int(time.time()) - 301)
    assert (forged.status, stale.status, replayed_event.status) == (401, 401, 401)
    await slack.settle()
    assert slack.api.calls == [] and slack.api.responses == []
    assert count(engine, PlatformAccount) == 0
    assert count(engine, SeenDelivery) == 0


async def test_url_verification_echoes_the_challenge(slack, engine) -> None:
    body = json.dumps(
        {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY", "type": "url_verification"}
    )
    response = await slack.post(body, "application/json")
    assert response.status == 200
    assert (await response.json())["challenge"] == "3eZbrw1aBm2rZgRNFdxV2595E9CY"


async def test_app_home_publishes_the_home_sections(slack, engine) -> None:
    add_person(engine, "ayse@example.com")
    slack.api.add_user("U0AYSE", "ayse@example.com")
    await slack.event(home_opened())
    await slack.event(home_opened(tab="messages"))
    await slack.settle()
    [published] = slack.api.called("views.publish")
    assert published["user_id"] == "U0AYSE" and published["view"]["type"] == "home"
    assert "Welcome to Elçi, Ayşe Yılmaz!" in all_text(published["view"])
    assert not view_violations(published["view"], "home")


async def test_a_home_button_answers_in_the_dm(slack, engine) -> None:
    add_person(engine, "ayse@example.com")
    slack.api.add_user("U0AYSE", "ayse@example.com")
    await slack.event(home_opened())
    await slack.settle()
    view = slack.api.called("views.publish")[0]["view"]
    button = next(b for b in view["blocks"] if b["type"] == "actions")["elements"][0]
    payload = block_actions(button["action_id"], button.get("value", ""))
    payload.pop("channel")
    payload["container"] = {"type": "view", "view_id": "V0HOME"}
    payload["view"] = {"id": "V0HOME", "type": "home"}
    assert (await slack.interact(payload)).status == 200
    await slack.settle()
    [opened] = slack.api.called("conversations.open")
    assert opened["users"] == "U0AYSE"
    assert "What I can do" in slack.api.called("chat.postMessage")[0]["text"]


def gated_router(calls: list[str]) -> Router:
    router = Router()

    @router.command("campaigns", summary=N_("show this list"))
    async def campaigns(ctx, command) -> None:
        await ctx.reply(Card("Campaigns", buttons=(Button("Close", "c.close", "7"),)))

    @router.action("c.close")
    async def close(ctx, action):
        calls.append(f"close:{action.value}")
        return ReplaceCard(Card(f"Closed {action.value}"))

    return router


async def test_a_button_press_replaces_its_card(slack_for, engine) -> None:
    calls: list[str] = []
    slack = await slack_for(gated_router(calls))
    slack.api.add_user("U0AYSE", "ayse@example.com")
    await slack.event(direct_message("campaigns"))
    await slack.settle()
    [posted] = slack.api.called("chat.postMessage")
    button = posted["blocks"][-1]["elements"][0]
    assert button["action_id"].endswith("c.close")
    url = slack.api.response_url("click")
    response = await slack.interact(
        block_actions(button["action_id"], button["value"], response_url=url)
    )
    assert response.status == 200
    await slack.settle()
    assert calls == ["close:7"]
    [updated] = slack.api.called("chat.update")
    assert updated["ts"] == "1700000001.000100" and updated["text"] == "Closed 7"


async def test_a_button_in_an_ephemeral_message_answers_through_its_response_url(
    slack_for, engine
) -> None:
    calls: list[str] = []
    slack = await slack_for(gated_router(calls))
    slack.api.add_user("U0AYSE", "ayse@example.com")
    body = await (await slack.command("campaigns")).json()
    button = body["blocks"][-1]["elements"][0]
    url = slack.api.response_url("eph")
    await slack.interact(
        block_actions(
            button["action_id"], "7", channel="C0GENERAL", response_url=url, ephemeral=True
        )
    )
    await slack.settle()
    assert slack.api.responses == [
        (
            "eph",
            {
                "text": "Closed 7",
                "blocks": slack.api.responses[0][1]["blocks"],
                "replace_original": True,
            },
        )
    ]


def form_router(received: list[dict]) -> Router:
    router = Router()

    def build(ctx, state) -> Form:
        return Form(
            "t.form",
            "A draft with a long title",
            submit_label="Send",
            state=state,
            fields=(
                FormField("title", "Title", required=True, max_length=80),
                FormField(
                    "net",
                    "Network",
                    kind="select",
                    required=True,
                    options=(Option("x", "X"), Option("linkedin", "LinkedIn")),
                ),
                FormField("when", "Publish on", kind="date"),
                FormField("ok", "I follow the policy", kind="checkbox"),
            ),
        )

    @router.command("draft", summary=N_("show this list"))
    async def draft(ctx, command) -> None:
        await ctx.open_form("t.form", {"origin": "cmd", "_elci_form": "spoof"})

    @router.form("t.form", build=build)
    async def submitted(ctx, submit):
        received.append({**submit.values, "state": submit.state})
        await ctx.reply("stored")
        return None

    return router


async def test_a_modal_shows_field_errors_inline_then_takes_a_valid_submission(
    slack_for, engine
) -> None:
    received: list[dict] = []
    slack = await slack_for(form_router(received))
    slack.api.add_user("U0AYSE", "ayse@example.com")
    await slack.command("draft")
    await slack.settle()
    [opened] = slack.api.called("views.open")
    view = opened["view"]
    assert view["title"]["text"] == "A draft with a long tit…"  # 24 characters
    assert [b["block_id"] for b in view["blocks"]] == ["title", "net", "when", "ok"]
    wrong = await slack.interact(
        view_submission(
            view,
            {
                "title": {"type": "plain_text_input", "value": ""},
                "net": {"type": "static_select", "selected_option": {"value": "myspace"}},
                "when": {"type": "datepicker", "selected_date": None},
                "ok": {"type": "checkboxes", "selected_options": []},
            },
        )
    )
    answer = await wrong.json()
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {
        "title": "This field is required.",
        "net": "Choose one of the offered options.",
    }
    assert received == []
    right = await slack.interact(
        view_submission(
            view,
            {
                "title": {"type": "plain_text_input", "value": "My post"},
                "net": {"type": "static_select", "selected_option": {"value": "linkedin"}},
                "when": {"type": "datepicker", "selected_date": "2026-12-01"},
                "ok": {"type": "checkboxes", "selected_options": [{"value": "yes"}]},
            },
        )
    )
    assert right.status == 200 and (await right.read()) == b""
    await slack.settle()
    assert received == [
        {
            "title": "My post",
            "net": "linkedin",
            "when": "2026-12-01",
            "ok": True,
            "state": {"origin": "cmd", "_elci_form": "spoof"},
        }
    ]
    assert slack.api.called("chat.postMessage")[-1]["text"] == "stored"


async def test_a_form_asked_for_in_a_dm_comes_as_a_button_that_opens_it(slack_for, engine) -> None:
    slack = await slack_for(form_router([]))
    slack.api.add_user("U0AYSE", "ayse@example.com")
    await slack.event(direct_message("draft"))
    await slack.settle()
    assert slack.api.called("views.open") == []
    [offer] = slack.api.called("chat.postMessage")
    button = offer["blocks"][0]["elements"][0]
    await slack.interact(block_actions(button["action_id"], button["value"]))
    await slack.settle()
    [opened] = slack.api.called("views.open")
    assert opened["view"]["callback_id"] == "t.form"


async def test_a_429_is_retried_after_retry_after(slack, engine) -> None:
    slack.api.add_user("U0AYSE", "ayse@example.com")
    slack.api.fail("chat.postMessage")
    started = time.monotonic()
    await slack.event(direct_message("help"))
    await slack.settle()
    attempts = slack.api.called("chat.postMessage")
    assert len(attempts) == 2 and "What I can do" in attempts[1]["text"]
    assert time.monotonic() - started >= 1.0


async def test_an_unknown_slack_user_is_a_stranger_not_a_crash(slack, engine) -> None:
    slack.api.fail("users.info", Fault(status=200, error="user_not_found", headers={}))
    body = await (await slack.command("help", user="U0NOBODY")).json()
    assert "not in the Elçi directory yet" in all_text(body)


def slow_router() -> Router:
    router = Router()

    @router.command("slow", summary=N_("show this list"))
    async def slow(ctx, command) -> None:
        await asyncio.sleep(0.6)
        await ctx.reply("done")

    return router


async def test_a_slow_turn_is_acked_in_time_and_answers_later(
    slack_for, engine, monkeypatch
) -> None:
    monkeypatch.setattr("adapters.slack.app.ACK_BUDGET_S", 0.2)
    slack = await slack_for(slow_router())
    slack.api.add_user("U0AYSE", "ayse@example.com")
    started = time.monotonic()
    response = await slack.command("slow", key="slow")
    assert time.monotonic() - started < 0.5
    assert response.status == 200 and await response.read() == b""
    await slack.settle()
    assert slack.api.responses == [
        ("slow", {"text": "done", "response_type": "ephemeral", "replace_original": False})
    ]


async def test_no_token_or_signature_is_ever_logged(slack, engine) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    logs.configure("DEBUG", [BOT_TOKEN, SIGNING_SECRET], stream=stream)
    try:
        slack.api.add_user("U0AYSE", "ayse@example.com")
        await slack.command("help")
        await slack.event(direct_message("help"))
        await slack.command("help", secret="wrong-secret")
        await slack.settle()
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    written = stream.getvalue()
    assert written  # DEBUG did log something
    assert BOT_TOKEN not in written and SIGNING_SECRET not in written
    assert not re.search(r"v0=[0-9a-f]{16,}", written)


async def test_a_card_answering_a_form_replaces_the_modal(slack_for, engine) -> None:
    router = Router()

    def build(ctx, state) -> Form:
        return Form("t.ok", "Confirm", fields=(FormField("x", "X"),), submit_label="OK")

    @router.command("confirm", summary=N_("show this list"))
    async def confirm(ctx, command) -> None:
        await ctx.open_form("t.ok")

    @router.form("t.ok", build=build)
    async def confirmed(ctx, submit):
        return ReplaceCard(Card("Thanks <@U0BOSS>", body=submit.values["x"]))

    slack = await slack_for(router)
    slack.api.add_user("U0AYSE", "ayse@example.com")
    await slack.command("confirm")
    await slack.settle()
    view = slack.api.called("views.open")[0]["view"]
    answer = await slack.interact(
        view_submission(view, {"x": {"type": "plain_text_input", "value": "<!here>"}})
    )
    body = await answer.json()
    assert body["response_action"] == "update" and body["view"]["type"] == "modal"
    assert "&lt;!here&gt;" in all_text(body["view"]) and "<!here>" not in all_text(body)
