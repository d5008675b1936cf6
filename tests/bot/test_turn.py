"""Turns through the real core, driven from the console adapter like a person would."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from bot.events import Actor, Conversation, Installed
from bot.i18n import N_
from bot.replies import Button, Card, FieldErrors, Form, FormField, Option, ReplaceCard
from bot.router import Router
from bot.turn import Bot
from storage.engine import session_scope
from storage.people import Person, PlatformAccount
from tests.support.recorder import Recorder


async def test_a_stranger_gets_english_help_and_a_word_about_the_directory(chat) -> None:
    session, out = chat("stranger@example.com")
    await session.say("help")
    text = out.getvalue()
    assert "What I can do" in text
    assert "help — show this list" in text
    assert "lang tr|en — choose your language" in text
    assert "not in the Elçi directory yet" in text


async def test_directory_locale_picks_turkish(chat, add_person) -> None:
    add_person("ayse@example.com", locale="tr")
    session, out = chat("ayse@example.com")
    await session.say("YARDIM")
    assert "Neler yapabilirim" in out.getvalue()
    assert "yardım" not in out.getvalue().split("Neler yapabilirim")[0]


async def test_lang_overrides_and_is_remembered(chat, add_person) -> None:
    add_person("john@example.com", locale="en")
    session, out = chat("john@example.com")
    await session.say("lang tr")
    assert "Bundan sonra sizinle Türkçe konuşacağım." in out.getvalue()
    again, out2 = chat("john@example.com")
    await again.say("help")
    assert "Neler yapabilirim" in out2.getvalue()
    assert "lang tr|en — konuşma dilinizi seçer" in out2.getvalue()


async def test_a_stranger_can_choose_turkish_too(chat, engine) -> None:
    session, out = chat("guest@example.com")
    await session.say("lang tr")
    await session.say("help")
    assert "Henüz Elçi rehberinde kayıtlı değilsiniz" in out.getvalue()
    with session_scope(engine) as db:
        assert db.exec(select(func.count()).select_from(Person)).one() == 0


async def test_lang_without_a_known_language_explains_and_changes_nothing(
    chat, add_person, engine
) -> None:
    add_person("john@example.com")
    session, out = chat("john@example.com")
    await session.say("lang de")
    assert "Your language is English. Type “lang tr” or “lang en” to change it." in out.getvalue()
    with session_scope(engine) as db:
        assert db.exec(select(Person)).one().lang_override is None


async def test_unknown_command_gets_a_suggestion_and_writes_nothing(
    chat, add_person, engine
) -> None:
    add_person("john@example.com")
    session, out = chat("john@example.com")
    await session.say("lang en")
    with session_scope(engine) as db:
        before = db.exec(select(PlatformAccount)).all()
    await session.say("hlep me")
    assert "I don't know “hlep”. Did you mean “help”?" in out.getvalue()
    await session.say("xyzzy")
    assert "I don't know “xyzzy”. Type help to see what I can do." in out.getvalue()
    with session_scope(engine) as db:
        assert db.exec(select(PlatformAccount)).all() == before


def _gated_router(calls: list[str]) -> Router:
    router = Router()

    @router.command("campaigns", summary=N_("show this list"), role="hr")
    async def campaigns(ctx, command) -> None:
        calls.append("campaigns")
        await ctx.reply(Card("Campaigns", buttons=(Button("Close", "c.close", "7"),)))

    @router.action("c.close", role="hr")
    async def close(ctx, action):
        calls.append(f"close:{action.value}")
        return ReplaceCard(Card(f"Closed {action.value}"))

    return router


async def test_role_gate_refuses_in_the_users_language(chat, add_person) -> None:
    calls: list[str] = []
    add_person("emp@example.com", roles=("employee",), locale="tr")
    session, out = chat("emp@example.com", _gated_router(calls))
    await session.say("campaigns")
    assert "Bunu yalnızca İK rolüne sahip kişiler yapabilir." in out.getvalue()
    assert calls == []


async def test_buttons_are_pressed_by_number_and_replace_their_card(chat, add_person) -> None:
    calls: list[str] = []
    add_person("hr@example.com", roles=("employee", "hr"))
    session, out = chat("hr@example.com", _gated_router(calls))
    await session.say("campaigns")
    assert "[1] Close" in out.getvalue()
    await session.say("!click 2")
    assert "! !click 1…1" in out.getvalue()
    await session.say("!click 1")
    assert calls == ["campaigns", "close:7"]
    assert "┌ Closed 7" in out.getvalue()


def _form_router(received: list[dict]) -> Router:
    router = Router()

    def build(ctx, state) -> Form:
        return Form(
            "t.form",
            ctx.t("What I can do"),
            submit_label="Send",
            state=state,
            fields=(
                FormField("title", "Title", required=True),
                FormField(
                    "net",
                    "Network",
                    kind="select",
                    required=True,
                    options=(Option("x", "X"), Option("linkedin", "LinkedIn")),
                ),
            ),
        )

    @router.command("draft", summary=N_("show this list"))
    async def draft(ctx, command) -> None:
        await ctx.open_form("t.form", {"origin": "cmd"})

    @router.form("t.form", build=build)
    async def submitted(ctx, submit):
        received.append({**submit.values, **submit.state})
        await ctx.reply("stored")
        return None

    return router


async def test_forms_are_asked_field_by_field_and_re_asked_on_errors(chat) -> None:
    received: list[dict] = []
    session, out = chat("guest@example.com", _form_router(received))
    await session.say("draft")
    assert "Title*" in out.getvalue()
    await session.say("")
    assert "1. X" in out.getvalue()
    await session.say("9")
    assert received == []
    assert "! This field is required." in out.getvalue()
    await session.say("My post")
    await session.say("2")
    assert received == [{"title": "My post", "net": "linkedin", "origin": "cmd"}]
    assert out.last_lines(1) == ["stored"]


async def test_form_answers_may_be_cancelled(chat) -> None:
    received: list[dict] = []
    session, out = chat("guest@example.com", _form_router(received))
    await session.say("draft")
    await session.say("!cancel")
    await session.say("help")
    assert received == []
    assert "What I can do" in out.getvalue()


async def test_invalid_submit_answers_field_errors_with_the_form_refilled(make_services) -> None:
    received: list[dict] = []
    bot = Bot(make_services(_form_router(received)))
    from adapters.console.inbound import to_actor, to_conversation
    from bot.events import FormSubmit

    recorder = Recorder()

    answer = await bot.handle(
        FormSubmit(
            to_actor("a@example.com"),
            to_conversation("a@example.com"),
            "t.form",
            {"title": "", "net": "myspace"},
            {},
        ),
        recorder,
    )
    assert isinstance(answer, FieldErrors)
    assert set(answer.errors) == {"title", "net"}
    assert answer.form is not None and answer.form.values["net"] == "myspace"
    assert received == [] and recorder.sent == []


async def test_install_sends_a_welcome_card_and_keeps_the_conversation(
    make_services, add_person, engine
) -> None:
    add_person("ayse@example.com", locale="tr", name="Ayşe")
    recorder = Recorder()

    actor = Actor("teams", "29:abc", tenant="t1", email="ayse@example.com", locale="tr-TR")
    conversation = Conversation("a:1", "direct", ref={"serviceUrl": "http://127.0.0.1:1"})
    await Bot(make_services()).handle(Installed(actor, conversation), recorder)
    assert recorder.sent[0].title == "Elçi'ye hoş geldiniz, Ayşe!"
    assert recorder.sent[0].buttons[0].action_id == "help.show"
    with session_scope(engine) as db:
        account = db.exec(select(PlatformAccount)).one()
        assert account.conversation_ref == {"serviceUrl": "http://127.0.0.1:1"}
        assert account.person_id is not None


async def test_identities_are_remembered_briefly_then_read_again(engine, add_person) -> None:
    import asyncio

    from bot.identity import IdentityCache

    cache = IdentityCache(ttl=0.2)
    actor = Actor("console", "new@example.com", email="new@example.com")
    assert cache.resolve(engine, actor, "en").person is None
    add_person("new@example.com", roles=("employee", "hr"))
    assert cache.resolve(engine, actor, "en").person is None  # within the TTL: one lookup
    await asyncio.sleep(0.25)
    assert cache.resolve(engine, actor, "en").roles == ("employee", "hr")
