"""Teams end to end: real activities posted to /api/messages with real tokens, answers read
from what the connector stand-in received, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from adapters.teams.inbound import RESERVED
from adapters.teams.members import MemberCache
from adapters.teams.turn import INSTALL_WINDOW_S, TeamsTurns
from bot.events import Actor, Conversation, Installed
from bot.i18n import N_, Catalogs
from bot.replies import Button, Card, Form, FormField, Option, ReplaceCard
from bot.router import Router
from storage.dedup import SeenDelivery
from storage.engine import session_scope
from storage.people import PlatformAccount
from tests.support.teams import BOT_TOKEN, personal
from tests.support.teams_wire import submit_data, texts


async def test_help_in_english_replies_to_the_message_with_a_card(teams) -> None:
    user = teams.user("john@example.com", "John")
    activity = teams.activities.message(user, "help", locale="en-US")
    await teams.say(user, "help", locale="en-US")
    (reply,) = teams.connector.sent()
    conversation = personal(user)["id"]
    assert reply.path == f"/v3/conversations/{conversation}/activities/{int(activity['id']) + 1}"
    assert reply.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert reply.body["replyToId"] and reply.body["recipient"]["id"] == user.id
    assert texts(reply.cards[0])[0] == "What I can do"
    assert any("help" in text and "show this list" in text for text in texts(reply.cards[0]))


async def test_help_in_turkish_from_the_teams_locale(teams, add_person) -> None:
    add_person("ayse@example.com", locale="en")
    user = teams.user("ayse@example.com")
    await teams.say(user, "yardım", locale="tr-TR")
    (card,) = teams.connector.cards
    assert texts(card)[0] == "Neler yapabilirim"
    with session_scope(teams.engine) as db:
        account = db.exec(select(PlatformAccount)).one()
    assert account.person_id is not None and account.email == "ayse@example.com"
    assert account.platform_locale == "tr-TR" and account.tenant
    assert account.conversation_ref["conversation"]["id"] == personal(user)["id"]


async def test_a_mention_in_a_channel_is_stripped_and_answered_there(teams) -> None:
    user = teams.user("john@example.com", "John")
    response = await teams.post(teams.activities.channel_message(user, "help"))
    assert response.status == 200
    (reply,) = teams.connector.sent()
    assert reply.path.startswith("/v3/conversations/19:team@thread.tacv2;messageid=")
    assert texts(reply.cards[0])[0] == "What I can do"
    with session_scope(teams.engine) as db:
        assert db.exec(select(PlatformAccount)).one().conversation_ref is None


async def test_the_email_is_asked_once_and_remembered(teams) -> None:
    user = teams.user("john@example.com", "John")
    await teams.say(user, "help")
    await teams.say(user, "help")
    lookups = [c for c in teams.connector.calls if "/members/" in c.path]
    assert len(lookups) == 1


async def test_a_redelivered_activity_is_processed_once(teams) -> None:
    user = teams.user("john@example.com", "John")
    activity = teams.activities.message(user, "help")
    for _ in range(3):
        assert (await teams.post(activity)).status == 200
    assert len(teams.connector.sent()) == 1
    with session_scope(teams.engine) as db:
        assert db.exec(select(func.count()).select_from(SeenDelivery)).one() == 1


async def test_install_welcomes_once_in_turkish_then_a_proactive_message_arrives(
    teams, add_person
) -> None:
    person = add_person("ayse@example.com", name="Ayşe")
    user = teams.user("ayse@example.com", "Ayşe")
    for activity in teams.activities.installed(user, locale="tr-TR"):
        assert (await teams.post(activity)).status == 200
    (welcome,) = teams.connector.cards
    assert texts(welcome)[0] == "Elçi'ye hoş geldiniz, Ayşe!"

    platform = await teams.services.outbound.send(person.id, Card("Yeni içerik", body="Paylaş"))
    assert platform == "teams"
    proactive = teams.connector.sent()[-1]
    assert proactive.path == f"/v3/conversations/{personal(user)['id']}/activities"
    assert proactive.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert proactive.body["recipient"]["id"] == user.id
    assert texts(proactive.cards[0]) == ["Yeni içerik", "Paylaş"]


async def test_a_button_press_runs_its_action(teams) -> None:
    user = teams.user("john@example.com", "John")
    for activity in teams.activities.installed(user):
        await teams.post(activity)
    (welcome_call,) = teams.connector.sent()
    data = submit_data(welcome_call.cards[0], "Show what I can do")
    assert data[RESERVED]["kind"] == "action"
    press = teams.activities.submit(user, welcome_call.answer["id"], data)
    assert (await teams.post(press)).status == 200
    reply = teams.connector.sent()[-1]
    assert reply.path.endswith(f"/activities/{press['id']}")
    assert texts(reply.cards[0])[0] == "What I can do"


def form_router(received: list[dict[str, Any]]) -> Router:
    router = Router()

    def build(ctx, state) -> Form:
        return Form(
            "t.draft",
            "New draft",
            submit_label="Send",
            cancel_label="Cancel",
            state=state,
            fields=(
                FormField("title", "Title", required=True, max_length=80),
                FormField("body", "Text", kind="multiline"),
                FormField(
                    "net",
                    "Network",
                    kind="select",
                    required=True,
                    options=(Option("x", "X"), Option("linkedin", "LinkedIn")),
                ),
                FormField(
                    "tags",
                    "Tags",
                    kind="multiselect",
                    options=(Option("news", "News"), Option("hr", "HR")),
                ),
                FormField("when", "Publish on", kind="date"),
                FormField("ok", "I follow the policy", kind="checkbox"),
            ),
        )

    @router.command("draft", summary=N_("show this list"))
    async def draft(ctx, command) -> None:
        await ctx.open_form("t.draft", {"origin": "teams"})

    @router.form("t.draft", build=build)
    async def submitted(ctx, submit):
        received.append({**submit.values, **submit.state})
        await ctx.reply("stored")
        return None

    @router.command("campaign", summary=N_("show this list"))
    async def campaign(ctx, command) -> None:
        await ctx.reply(Card("Campaign 7", buttons=(Button("Close", "c.close", "7"),)))

    @router.action("c.close")
    async def close(ctx, action):
        return ReplaceCard(Card(f"Closed {action.value}"))

    @router.action("c.note")
    async def note(ctx, action):
        await ctx.reply(f"noted {action.value}")
        return None

    return router


async def test_a_form_is_refused_with_errors_then_accepted(teams_for) -> None:
    received: list[dict[str, Any]] = []
    teams = await teams_for(form_router(received))
    user = teams.user("john@example.com", "John")
    await teams.say(user, "draft")
    (form_call,) = teams.connector.sent()
    card = form_call.cards[0]
    inputs = {e["id"]: e for e in card["body"] if str(e.get("type")).startswith("Input.")}
    assert inputs["title"]["isRequired"] and inputs["title"]["errorMessage"]
    assert inputs["body"]["isMultiline"] and inputs["tags"]["isMultiSelect"]
    assert inputs["net"]["style"] == "compact" and inputs["when"]["type"] == "Input.Date"
    assert inputs["ok"]["type"] == "Input.Toggle"
    data = submit_data(card, "Send")
    assert data[RESERVED]["state"] == {"origin": "teams"}

    wrong = {**data, "title": "", "net": "x", "tags": "news,hr", "ok": "false"}
    await teams.post(teams.activities.submit(user, form_call.answer["id"], wrong))
    assert received == []
    update = teams.connector.sent()[-1]
    assert update.method == "PUT"
    assert update.path.endswith(f"/activities/{form_call.answer['id']}")
    again = update.cards[0]
    title = next(e for e in again["body"] if e.get("id") == "title")
    assert title["errorMessage"] == "This field is required."
    assert "This field is required." in texts(again)
    assert next(e for e in again["body"] if e.get("id") == "tags")["value"] == "news,hr"

    right = {**wrong, "title": "Our award", "when": "2024-06-01", "ok": "true"}
    await teams.post(teams.activities.submit(user, form_call.answer["id"], right))
    assert received == [
        {
            "title": "Our award",
            "body": "",
            "net": "x",
            "tags": ["news", "hr"],
            "when": "2024-06-01",
            "ok": True,
            "origin": "teams",
        }
    ]
    calls = teams.connector.sent()[-2:]
    assert [c.method for c in calls] == ["POST", "PUT"]
    assert calls[0].body["text"] == "stored"
    assert texts(calls[1].cards[0]) == ["New draft", "✓"]


async def test_cancel_closes_the_form_without_a_turn(teams_for) -> None:
    received: list[dict[str, Any]] = []
    teams = await teams_for(form_router(received))
    user = teams.user("john@example.com", "John")
    await teams.say(user, "draft")
    (form_call,) = teams.connector.sent()
    cancel = submit_data(form_call.cards[0], "Cancel")
    await teams.post(teams.activities.submit(user, form_call.answer["id"], cancel))
    assert received == []
    assert texts(teams.connector.sent()[-1].cards[0]) == ["New draft", "✗ Cancel"]


async def test_replace_card_updates_the_pressed_card(teams_for) -> None:
    teams = await teams_for(form_router([]))
    user = teams.user("john@example.com", "John")
    await teams.say(user, "campaign")
    (card_call,) = teams.connector.sent()
    data = submit_data(card_call.cards[0], "Close")
    await teams.post(teams.activities.submit(user, card_call.answer["id"], data))
    update = teams.connector.sent()[-1]
    assert update.method == "PUT" and texts(update.cards[0]) == ["Closed 7"]


async def test_action_execute_is_answered_in_the_invoke_response(teams_for) -> None:
    """botbuilder's CloudAdapter.process answers every invoke with 500 (it serializes the
    response twice); Elçi writes the invoke response itself."""
    teams = await teams_for(form_router([]))
    user = teams.user("john@example.com", "John")
    await teams.say(user, "campaign")
    (card_call,) = teams.connector.sent()
    data = submit_data(card_call.cards[0], "Close")
    response = await teams.post(teams.activities.execute(user, card_call.answer["id"], data))
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert texts(body["value"]) == ["Closed 7"]
    assert len(teams.connector.sent()) == 1

    note = {RESERVED: {"kind": "action", "id": "c.note", "value": "8"}}
    response = await teams.post(teams.activities.execute(user, card_call.answer["id"], note))
    assert response.status == 200
    assert (await response.json())["type"] == "application/vnd.microsoft.activity.message"
    assert teams.connector.sent()[-1].body["text"] == "noted 8"


async def test_an_unknown_invoke_is_not_implemented(teams) -> None:
    user = teams.user("john@example.com", "John")
    activity = teams.activities.execute(user, "1", {"verb": "x"})
    activity["name"] = "composeExtension/query"
    response = await teams.post(activity)
    assert response.status == 501
    assert teams.connector.sent() == []


def test_one_welcome_per_install_even_across_a_window_boundary(engine) -> None:
    now = [INSTALL_WINDOW_S - 1.0]
    turns = TeamsTurns(None, Catalogs(), engine, MemberCache(), clock=lambda: now[0])
    install = Installed(Actor("teams", "29:1a"), Conversation("a:1conv"))
    assert turns._is_news(install)
    now[0] = INSTALL_WINDOW_S + 1.0  # the twin activity, just after the boundary
    assert not turns._is_news(install)
    now[0] = 4 * INSTALL_WINDOW_S  # installed again, much later
    assert turns._is_news(install)


async def test_an_activity_answered_before_its_turn_failed_is_not_answered_again(
    teams_for,
) -> None:
    """The first message out marks the activity done: the Bot Framework's retry of a turn
    that then failed (its database gone, its process killed) finds it answered."""
    router = Router()

    @router.command("ping", summary=N_("Answers, then loses the database"))
    async def ping(ctx, command) -> None:
        await ctx.reply("pong")
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database went away"))

    teams = await teams_for(router=router)
    user = teams.user("john@example.com", "John")
    activity = teams.activities.message(user, "ping")
    failed = await teams.post(activity)
    assert failed.status == 503  # the platform will retry
    retried = await teams.post(activity)
    assert retried.status == 200
    assert [call.body.get("text") for call in teams.connector.sent()] == ["pong"]
    with session_scope(teams.engine) as db:
        assert db.exec(select(SeenDelivery.done)).all() == [True]
