"""Train first, then share: the policy, its acknowledgement, the quiz and the gate, lived
through the console chat like a person would, and checked in storage on both stores."""

from __future__ import annotations

import re
from dataclasses import replace
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import select

from bot.compose import build_router
from bot.config import ConfigError
from bot.replies import Button
from handlers.policy.config import parse
from storage.engine import session_scope
from storage.people import Person
from storage.points import PointEntry
from storage.policy import PolicyAcknowledgement, TrainingResult, acknowledge, record_attempt

SHARED = "Nothing new to share right now. I will let you know when there is."  # the open feed
RIGHT = ("2", "2", "1", "1")  # the shipped quiz's right answers, by choice number
WRONG = ("1", "1", "2", "1")  # only the last one right


def shipped_config() -> dict[str, Any]:
    return yaml.safe_load(files("bot").joinpath("default_config.yaml").read_text("utf-8"))


def write_config(tmp_path: Path, version: str = "2026-1", required: bool = True) -> Path:
    raw = shipped_config()
    raw["policy"].update(required=required, version=version)
    path = tmp_path / f"config-{version}-{required}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


@pytest.fixture
def person(engine):
    def add(email: str, department: str | None = None, roles=("employee",), locale=None):
        with session_scope(engine) as db:
            row = Person(
                email=email,
                name=email.split("@")[0].title(),
                department=department,
                roles=list(roles),
                locale=locale,
            )
            db.add(row)
            db.flush()
            return row.id

    return add


@pytest.fixture
def open_chat(chat, make_services, tmp_path):
    def start(email: str, version: str = "2026-1", required: bool = True):
        services = make_services(
            build_router(), write_config(tmp_path, version, required)
        )
        return chat(email, services=services)

    return start


def ledger(engine, person_id: int) -> list[tuple[str, int]]:
    with session_scope(engine) as db:
        rows = db.exec(select(PointEntry).where(PointEntry.person_id == person_id)).all()
        return sorted((row.kind, row.points) for row in rows)


async def take_quiz(session, answers) -> None:
    await session.say("training")
    for answer in answers:
        await session.say(answer)


async def test_the_gate_blocks_until_the_policy_is_acknowledged_and_the_quiz_passed(
    open_chat, person, engine
) -> None:
    ayse = person("ayse@example.com", "marketing")
    session, out = open_chat("ayse@example.com")

    await session.say("share")
    assert "First, our social media policy" in out.getvalue()
    assert "[1] Read and acknowledge the policy" in out.getvalue()
    assert "[2] Take the training" in out.getvalue()
    assert SHARED not in out.getvalue()

    await session.say("!click 1")  # read the policy
    assert "You speak for yourself" in out.getvalue()
    assert "Version: 2026-1" in out.getvalue()
    await session.say("!click 1")  # acknowledge
    assert "You acknowledged this version on" in out.getvalue()
    assert "Thank you! You earned 2 points." in out.getvalue()
    assert "One more step: take the short training." in out.getvalue()

    before = len(out.getvalue())
    await session.say("share")
    blocked = out.getvalue()[before:]
    assert "✓ read and acknowledge the social media policy (version 2026-1)" in blocked
    assert "• pass the short training (3 of 4 answers right)" in blocked
    assert "Read and acknowledge the policy" not in blocked
    assert SHARED not in blocked

    await session.say("!click 1")  # take the training: the quiz opens as a form
    assert "Social media training" in out.getvalue()
    assert "1. A customer complains about the company under your post." in out.getvalue()
    for answer in RIGHT:
        await session.say(answer)
    assert "You passed the training" in out.getvalue()
    assert "4 of 4 answers right." in out.getvalue()
    assert "You earned 5 points." in out.getvalue()
    assert "You are all set to share." in out.getvalue()

    await session.say("share")
    assert out.last_lines(1) == [SHARED]
    with session_scope(engine) as db:
        ack = db.exec(select(PolicyAcknowledgement)).one()
        assert (ack.person_id, ack.version) == (ayse, "2026-1")
        result = db.exec(select(TrainingResult)).one()
        assert (result.score, result.total, result.passed) == (4, 4, True)
    assert ledger(engine, ayse) == [("policy_acknowledged", 2), ("training_passed", 5)]


async def test_a_failed_quiz_says_the_score_and_keeps_the_gate_shut(
    open_chat, person, engine
) -> None:
    can = person("can@example.com")
    session, out = open_chat("can@example.com")
    await session.say("policy")
    await session.say("!click 1")
    await take_quiz(session, WRONG)
    assert "Not passed yet" in out.getvalue()
    assert "1 of 4 answers right; 3 are needed to pass." in out.getvalue()
    assert "Questions to look at again: 1, 2, 3." in out.getvalue()
    assert "[1] Take the training again" in out.getvalue()

    await session.say("share")
    assert "• pass the short training" in out.getvalue()
    assert SHARED not in out.getvalue()
    assert ledger(engine, can) == [("policy_acknowledged", 2)]

    await session.say("!click 1")  # take the training
    for answer in RIGHT:
        await session.say(answer)
    await session.say("share")
    assert out.last_lines(1) == [SHARED]

    # Passing again earns nothing more, and the command says the pass stands.
    await take_quiz(session, ())
    assert "You have passed this training" in out.getvalue()
    assert "with 4 of 4 answers right" in out.getvalue()
    await session.say("!click 1")
    for answer in RIGHT:
        await session.say(answer)
    with session_scope(engine) as db:
        attempts = db.exec(select(TrainingResult).order_by(TrainingResult.id)).all()
        assert [(a.score, a.passed) for a in attempts] == [(1, False), (4, True), (4, True)]
    assert ledger(engine, can) == [("policy_acknowledged", 2), ("training_passed", 5)]


async def test_a_new_policy_version_asks_for_acknowledgement_again(
    open_chat, person, engine
) -> None:
    eda = person("eda@example.com")
    session, out = open_chat("eda@example.com", version="2026-1")
    await session.say("policy")
    await session.say("!click 1")
    await take_quiz(session, RIGHT)
    await session.say("share")
    assert out.last_lines(1) == [SHARED]

    session, out = open_chat("eda@example.com", version="2026-2")
    await session.say("share")
    assert "Our social media policy has changed." in out.getvalue()
    assert "(version 2026-2)" in out.getvalue()
    assert "✓ pass the short training" in out.getvalue()  # the quiz itself did not change
    assert "Take the training" not in out.getvalue()

    # A card of the old version cannot acknowledge the new text unread.
    await session.say("policy")
    session.buttons = tuple(
        replace(button, value="2026-1") if isinstance(button, Button) else button
        for button in session.buttons
    )
    await session.say("!click 1")
    assert "The policy has changed since that message." in out.getvalue()
    with session_scope(engine) as db:
        assert db.exec(select(PolicyAcknowledgement.version)).all() == ["2026-1"]

    await session.say("!click 1")  # the current card, shown again
    await session.say("share")
    assert out.last_lines(1) == [SHARED]
    with session_scope(engine) as db:
        versions = db.exec(select(PolicyAcknowledgement.version)).all()
        assert sorted(versions) == ["2026-1", "2026-2"]
    assert ledger(engine, eda) == [
        ("policy_acknowledged", 2),
        ("policy_acknowledged", 2),
        ("training_passed", 5),
    ]


async def test_nothing_is_required_when_the_config_says_so(open_chat, person, engine) -> None:
    person("ayse@example.com")
    session, out = open_chat("ayse@example.com", required=False)
    await session.say("share")
    assert out.last_lines(1) == [SHARED]
    await session.say("policy")  # still there to read and acknowledge
    await session.say("!click 1")
    assert "You acknowledged this version on" in out.getvalue()
    assert "You are all set to share." not in out.getvalue()


async def test_turkish_readers_get_the_turkish_policy_and_quiz(open_chat, person) -> None:
    person("mert@example.com", locale="tr")
    session, out = open_chat("mert@example.com")
    await session.say("share")
    assert "Önce sosyal medya politikamız" in out.getvalue()
    assert "[1] Politikayı okuyup onaylayın" in out.getvalue()
    await session.say("politika")
    assert "Kendi adınıza konuşursunuz." in out.getvalue()
    assert "[1] Okudum, onaylıyorum" in out.getvalue()
    await session.say("!click 1")
    assert "Teşekkürler! 2 puan kazandınız." in out.getvalue()
    await session.say("eğitim")
    assert "2. Teşekkür eder, şikâyeti Kurumsal İletişim'e iletirim" in out.getvalue()
    for answer in WRONG:
        await session.say(answer)
    assert "4 sorudan 1 doğru; geçmek için 3 doğru gerekiyor." in out.getvalue()


async def test_policy_status_counts_by_department_for_hr_only(
    chat, make_services, person, engine, tmp_path
) -> None:
    services = make_services(config=write_config(tmp_path))
    person("hande@example.com", "hr", roles=("employee", "hr"))
    marketing = [person(f"m{n}@example.com", "marketing") for n in range(3)]
    sales = [person(f"s{n}@example.com", "sales") for n in range(2)]
    loner = person("loner@example.com")
    with session_scope(engine) as db:
        for person_id in (*marketing[:2], sales[0], loner):
            acknowledge(db, person_id, "2026-1")
        acknowledge(db, sales[1], "2025-9")  # an old version does not count
        record_attempt(db, marketing[0], "2026-1", 4, 4, True)
        record_attempt(db, marketing[0], "2026-1", 4, 4, True)  # twice, counted once
        record_attempt(db, marketing[1], "2026-1", 1, 4, False)
        record_attempt(db, sales[1], "2026-1", 3, 4, True)

    hr, out = chat("hande@example.com", services=services)
    await hr.say("policy status")
    text = out.getvalue()
    assert "Social media policy: completion" in text
    assert "Marketing: 2 of 3 acknowledged · 1 of 3 trained" in text
    assert "Sales: 1 of 2 acknowledged · 1 of 2 trained" in text
    assert "Human Resources: 0 of 1 acknowledged · 0 of 1 trained" in text
    assert "No department: 1 of 1 acknowledged · 0 of 1 trained" in text
    assert "Everyone: 4 of 7 acknowledged · 2 of 7 trained" in text
    assert "Sharing and draft submission wait for both." in text

    await hr.say("lang tr")
    await hr.say("politika durum")
    assert "Pazarlama: 3 kişiden 2 kişi onayladı · 3 kişiden 1 kişi eğitimi geçti" in (
        out.getvalue()
    )

    employee, out = chat("m0@example.com", services=services)
    await employee.say("policy status")
    assert out.getvalue().splitlines() == ["Only people with the HR role can do that."]


async def test_policy_with_unknown_words_explains_itself(open_chat, person, engine) -> None:
    person("ayse@example.com")
    session, out = open_chat("ayse@example.com")
    await session.say("policy sign")
    assert "Type “policy” to read the social media policy" in out.getvalue()
    with session_scope(engine) as db:
        assert db.exec(select(PolicyAcknowledgement)).all() == []


def test_the_shipped_config_parses() -> None:
    policy = parse(shipped_config())
    assert policy.exists and not policy.required
    assert policy.training is not None and policy.training.pass_mark == 3
    assert [q.answer for q in policy.training.questions] == [1, 1, 0, 0]
    assert policy.text.get("tr").startswith("1. Kendi adınıza")
    assert policy.text.get("de") == policy.text.get("en")


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda raw: raw["policy"].update(required="yes"), "policy.required"),
        (lambda raw: raw["policy"].pop("version"), "policy.version"),
        (lambda raw: raw["policy"]["text"].pop("en"), "policy.text"),
        (lambda raw: raw["policy"]["text"].update(de="Hallo"), "policy.text"),
        (lambda raw: raw["training"].update(pass_mark=5), "training.pass_mark"),
        (
            lambda raw: raw["training"]["questions"][1].update(answer=4),
            "training.questions[2].answer",
        ),
        (
            lambda raw: raw["training"]["questions"][0]["choices"][2].update(tr=""),
            "training.questions[1].choices[3]",
        ),
        (
            lambda raw: raw["training"]["questions"][2].update(choices=["only one"]),
            "training.questions[3].choices",
        ),
    ],
)
def test_a_bad_config_names_the_key(change, key) -> None:
    raw = shipped_config()
    change(raw)
    with pytest.raises(ConfigError, match=rf"^{re.escape(key)}: "):
        parse(raw)
