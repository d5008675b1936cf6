"""A share button outlives its card: pressed after a new policy version, it shares nothing
until the person has acknowledged the new text, and tells them so in chat."""

from __future__ import annotations

import asyncio
import re
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func
from sqlmodel import select

from bot.compose import build_router, build_web_app
from storage.content import ContentItem
from storage.engine import session_scope
from storage.points import PointEntry
from storage.tracking import ShareIntent

RIGHT = ("2", "2", "1", "1")  # the shipped quiz's right answers
LINKEDIN = re.compile(r"(?:Share on LinkedIn|LinkedIn üzerinde paylaş) → \S+/s/(\S+)")


def required_policy(tmp_path: Path, version: str) -> Path:
    raw = yaml.safe_load(files("bot").joinpath("default_config.yaml").read_text("utf-8"))
    raw["policy"].update(required=True, version=version)
    path = tmp_path / f"config-{version}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


async def printed(out, text: str) -> str:
    """The transcript once ``text`` is in it: the chat message follows the HTTP answer."""
    for _ in range(100):
        if text in out.getvalue():
            break
        await asyncio.sleep(0.02)
    return out.getvalue()


def intents(engine) -> int:
    with session_scope(engine) as db:
        return db.exec(select(func.count()).select_from(ShareIntent)).one()


async def test_a_link_from_before_a_new_policy_version_waits_for_acknowledgement(
    make_services, chat, add_person, engine, tmp_path
) -> None:
    person = add_person("eda@example.com", locale="tr")
    with session_scope(engine) as db:
        db.add(ContentItem(title="Ödül", url="https://example.com/award", slug="odul"))
    first = make_services(build_router(), required_policy(tmp_path, "2026-1"))
    eda, out = chat("eda@example.com", services=first)
    await eda.say("policy")
    await eda.say("!click 1")  # acknowledge 2026-1
    await eda.say("training")
    for answer in RIGHT:
        await eda.say(answer)
    await eda.say("share")
    code = LINKEDIN.findall(out.getvalue())[-1]

    changed = make_services(build_router(), required_policy(tmp_path, "2026-2"))
    eda, out = chat("eda@example.com", services=changed)
    async with TestClient(TestServer(build_web_app(changed))) as client:
        held = await client.get(f"/s/{code}", allow_redirects=False)
        page = await held.text()
        assert held.status == 403 and "Location" not in held.headers
        assert held.content_type == "text/html"
        assert "sosyal medya politikamızı onaylayın" in page  # in her language
        assert intents(engine) == 0
        chat_card = await printed(out, "Sosyal medya politikamız değişti.")
        assert "sosyal medya politikasını okuyup onaylayın (sürüm 2026-2)" in chat_card
        assert "[1] Politikayı okuyup onaylayın" in chat_card

        await eda.say("!click 1")  # the button of that card: read the new version
        await eda.say("!click 1")  # acknowledge it
        shared = await client.get(f"/s/{code}", allow_redirects=False)
    assert shared.status == 302
    assert urlsplit(shared.headers["Location"]).netloc == "www.linkedin.com"
    assert intents(engine) == 1
    with session_scope(engine) as db:
        kinds = db.exec(select(PointEntry.kind).where(PointEntry.person_id == person.id)).all()
    assert sorted(kinds).count("share_intent") == 1
