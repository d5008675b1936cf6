"""Requests to departments on the console: ask, queue card, claim, reply, resolve, feedback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from bot.config import load_config
from storage.engine import session_scope
from storage.points import PointEntry
from storage.requests import SupportRequest


@pytest.fixture
def world(make_services, chat, add_person, tmp_path: Path):
    raw = load_config().raw
    raw["departments"]["it"]["agents"] = ["ali@example.com"]
    raw["departments"]["it"]["lead"] = "lead@example.com"
    raw["departments"]["hr"]["agents"] = ["hale@example.com"]
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    services = make_services(config=config)
    add_person("ayse@example.com", name="Ayşe")
    add_person("ali@example.com", roles=("employee", "agent"), name="Ali", locale="tr")
    add_person("hale@example.com", roles=("employee", "agent"), name="Hale")
    add_person("cem@example.com", roles=("employee", "agent"), name="Cem")

    class Terminals:
        """Every console chat of the test as one console sender: each message goes to the
        terminal of its addressee (the console adapter keeps one terminal per process)."""

        platform = "console"

        def __init__(self) -> None:
            self.chats: dict = {}

        async def deliver(self, user_id, conversation_ref, reply) -> None:
            await self.chats[user_id].deliver(user_id, conversation_ref, reply)

    terminals = Terminals()

    class World:
        async def chat(self, email: str):
            session, out = chat(email, services=services)
            terminals.chats[email] = session
            services.outbound.add(terminals)
            await session.say("lang")  # known to the bot on the console, so reachable
            out.seek(0)
            out.truncate()
            return session, out

    return World()


def label_index(session, label: str) -> int:
    labels = [button.label for button in session.buttons]
    return labels.index(label) + 1


def requests(engine) -> list[SupportRequest]:
    with session_scope(engine) as db:
        rows = list(db.exec(select(SupportRequest)))
        for row in rows:
            db.expunge(row)
        return rows


async def test_the_whole_flow(world, engine) -> None:
    ayse, ayse_out = await world.chat("ayse@example.com")
    ali, ali_out = await world.chat("ali@example.com")
    await ayse.say("ask my laptop does not start after the update")
    assert "Request #1 sent to IT" in ayse_out.getvalue()
    assert "laptop" in ayse_out.getvalue()
    assert "#1 · Bilgi Teknolojileri" in ali_out.getvalue()  # in Ali's language
    await ali.say("!click 1")  # Claim
    assert "Ali (IT) is on your request #1." in ayse_out.getvalue()
    assert "│ Üstlenen: Ali" in ali_out.getvalue()  # the queue card, claimed in place
    await ali.say("!click 1")  # Reply (Claim is gone once claimed)
    await ali.say("Try holding the power button for ten seconds.")
    assert "Try holding the power button" in ayse_out.getvalue()
    assert "İlk yanıt süresi" in ali_out.getvalue()  # the queue card, replaced in place
    await ali.say("!click 2")  # Resolve
    assert "Request #1 is resolved" in ayse_out.getvalue()
    assert "Did this reach the right department?" in ayse_out.getvalue()
    await ayse.say("!click 1")  # Yes
    [request] = requests(engine)
    assert request.status == "resolved" and request.right_department is True
    assert request.first_response_at is not None
    with session_scope(engine) as db:
        assert [(p.kind, p.points) for p in db.exec(select(PointEntry))] == [
            ("request_resolved", 3)
        ]


async def test_unsure_asks_the_requester_to_pick(world, engine) -> None:
    ayse, out = await world.chat("ayse@example.com")
    _, hale_out = await world.chat("hale@example.com")
    await ayse.say("ask kampanya görselleri ve bütçesi")
    assert "Which department should take this?" in out.getvalue()
    assert requests(engine)[0].status == "choosing"
    await ayse.say(f"!click {label_index(ayse, 'Other')}")  # every department
    await ayse.say(f"!click {label_index(ayse, 'Human Resources')}")
    assert "Sent to Human Resources." in out.getvalue()
    assert "#1 · Human Resources" in hale_out.getvalue()
    assert requests(engine)[0].department == "hr"


async def test_named_department_and_small_talk(world, engine) -> None:
    ayse, out = await world.chat("ayse@example.com")
    await ayse.say("ask insan kaynaklari my laptop")
    assert requests(engine)[0].department == "hr"
    await ayse.say("ask merhaba")
    assert "did not find a request" in out.getvalue()
    assert requests(engine)[1].status == "dropped"


async def test_only_that_departments_agents_can_claim(world, engine) -> None:
    ayse, _ = await world.chat("ayse@example.com")
    cem, cem_out = await world.chat("cem@example.com")  # an agent, but not of IT
    hale, hale_out = await world.chat("hale@example.com")  # HR's agent
    await ayse.say("ask VPN keeps disconnecting")
    cem.buttons = hale.buttons = ()
    from bot.replies import Button

    cem.buttons = (Button("Claim", "routing.claim", "1"),)
    await cem.say("!click 1")
    assert "Only IT's agents can do that." in cem_out.getvalue()
    hale.buttons = (Button("Claim", "routing.claim", "1"),)
    await hale.say("!click 1")
    assert "Only IT's agents can do that." in hale_out.getvalue()
    assert requests(engine)[0].status == "open"
