"""The advocacy loop as people live it: HR adds, an employee shares, a reader clicks."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func
from sqlmodel import col, select

from bot.compose import build_web_app
from storage.content import ContentItem
from storage.engine import session_scope
from storage.points import PointEntry
from storage.tracking import Click, ShareIntent

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0"
SHARE_LINK = re.compile(r"(?:Share on (\w+)|(\w+) üzerinde paylaş) → \S+/s/(\S+)")


CAPTION = r"(?:Suggested caption|Önerilen metin): “(\w+)”"
NOTHING_NEW = "Şu an paylaşılacak yeni bir içerik yok. Yenisi geldiğinde size haber vereceğim."


def share_codes(transcript: str) -> dict[str, str]:
    """Network → share code, from the buttons of the cards printed (in either language)."""
    return {en or tr: code for en, tr, code in SHARE_LINK.findall(transcript)}


@pytest.fixture
def world(make_services, chat, add_person):
    """HR and two employees on one set of services, and the HTTP app on them too."""
    services = make_services()
    add_person("hr@example.com", roles=("employee", "hr"), name="Hande İK")
    add_person("can@example.com", roles=("employee",), name="Can", locale="tr")
    add_person("eda@example.com", roles=("employee",), name="Eda")

    class World:
        def __init__(self) -> None:
            self.services = services

        def chat(self, email: str):
            return chat(email, services=services)

        def client(self) -> TestClient:
            return TestClient(TestServer(build_web_app(services)))

    return World()


FORM_DEFAULTS = {
    "summary": "", "captions": "", "language": "2", "tags": "", "audience": "",
    "image_url": "", "publish_at": "", "expires_at": "", "leader": "n",
}  # fmt: skip


async def add_item(world, title: str, url: str, **answers: str) -> str:
    """HR fills the ``content add`` form at the console, field by field, in form order."""
    hr, out = world.chat("hr@example.com")
    await hr.say("content add")
    for answer in (title, url, *{**FORM_DEFAULTS, **answers}.values()):
        await hr.say(answer)
    return out.getvalue()


def count(engine, model, *where) -> int:
    with session_scope(engine) as db:
        return db.exec(select(func.count()).select_from(model).where(*where)).one()


async def test_the_whole_loop(world, engine) -> None:
    added = await add_item(
        world,
        "Ödül",
        "https://example.com/news?id=7&utm_source=old",
        summary="We won",
        captions="Proud of us!\\nWhat a team.",
        tags="award",
    )
    assert "Added #1: Ödül" in added

    can, out = world.chat("can@example.com")
    await can.say("share")
    links = share_codes(out.getvalue())
    assert set(links) == {"LinkedIn", "X", "Facebook"}
    code = links["LinkedIn"]

    async with world.client() as client:
        shared = await client.get(f"/s/{code}", allow_redirects=False)
        assert shared.status == 302
        intent = urlsplit(shared.headers["Location"])
        assert intent.netloc == "www.linkedin.com" and intent.path == "/sharing/share-offsite/"
        assert parse_qs(intent.query)["url"] == [f"http://127.0.0.1:3978/r/{code}"]
        assert "“Ödül” içeriğini LinkedIn üzerinde paylaştınız. +5 puan" in out.getvalue()

        with session_scope(engine) as db:  # a minute passes: no longer a link preview
            for intent in db.exec(select(ShareIntent)).all():
                intent.created_at -= timedelta(minutes=1)
                db.add(intent)
        clicked = await client.get(
            f"/r/{code}", allow_redirects=False, headers={"User-Agent": BROWSER}
        )
        assert clicked.status == 302
        target = urlsplit(clicked.headers["Location"])
        query = parse_qs(target.query)
        assert target.netloc == "example.com" and query["id"] == ["7"]
        assert query["utm_source"] == ["linkedin"]
        assert query["utm_medium"] == ["employee_advocacy"]
        assert query["utm_campaign"] == ["odul"]
        assert "can" not in query["utm_content"][0] and len(query["utm_content"][0]) == 12

    assert count(engine, Click, col(Click.human)) == 1
    with session_scope(engine) as db:
        points = db.exec(select(PointEntry.kind, PointEntry.points)).all()
    assert sorted(points) == [("human_click", 1), ("share_intent", 5)]
    await can.say("share")
    assert out.last_lines(1) == [NOTHING_NEW]


async def test_x_gets_the_caption_and_colleagues_get_different_ones(world) -> None:
    await add_item(world, "Launch", "https://example.com/l", captions="One\\nTwo\\nThree")
    can, can_out = world.chat("can@example.com")
    eda, eda_out = world.chat("eda@example.com")
    await can.say("share")
    await eda.say("share")
    captions = [re.search(CAPTION, o.getvalue()).group(1) for o in (can_out, eda_out)]
    assert captions[0] != captions[1]
    x_code = share_codes(can_out.getvalue())["X"]
    async with world.client() as client:
        shared = await client.get(f"/s/{x_code}", allow_redirects=False)
    query = parse_qs(urlsplit(shared.headers["Location"]).query)
    assert query["text"] == [captions[0]]
    assert query["url"] == [f"http://127.0.0.1:3978/r/{x_code}"]


async def test_another_caption_and_not_for_me(world, engine) -> None:
    await add_item(world, "Launch", "https://example.com/l", captions="One\\nTwo")
    can, out = world.chat("can@example.com")
    await can.say("share")
    first = re.findall(CAPTION, out.getvalue())[-1]
    await can.say("!click 4")
    second = re.findall(CAPTION, out.getvalue())[-1]
    assert {first, second} == {"One", "Two"}
    await can.say("!click 5")
    assert "Gizlendi. Bu içeriği bir daha görmeyeceksiniz." in out.getvalue()
    await can.say("share")
    assert out.last_lines(1) == [NOTHING_NEW]
    assert count(engine, ContentItem) == 1


async def test_leaders_first_then_my_language_and_only_my_audience(world) -> None:
    await add_item(world, "English news", "https://example.com/1")
    await add_item(world, "Türkçe haber", "https://example.com/2", language="1")
    await add_item(world, "CEO post", "https://example.com/3", leader="y")
    await add_item(world, "Sales only", "https://example.com/4", audience="department:sales")
    await add_item(world, "Next year", "https://example.com/5", publish_at="2099-01-01")
    await add_item(world, "Old news", "https://example.com/6", expires_at="2020-01-01")
    can, out = world.chat("can@example.com")
    await can.say("share")
    titles = re.findall(r"┌ (?:★ )?(.+)", out.getvalue())
    assert titles == ["CEO post", "Türkçe haber", "English news"]
    assert "┌ ★ CEO post" in out.getvalue()


@pytest.mark.parametrize(
    "path",
    [
        "/r//evil.com",
        "/r/%2F%2Fevil.com",
        "/r/\\evil.com",
        "/r/javascript:alert(1)",
        "/r/AAAAAAAAAAAAAAAAAAAAAA",
        "/s/AAAAAAAAAAAAAAAAAAAAAA",
        "/r/short",
        "/r/..%2F..%2Fhealthz",
    ],
)
async def test_forged_links_answer_404_and_redirect_nowhere(world, engine, path) -> None:
    async with world.client() as client:
        response = await client.get(path, allow_redirects=False)
    assert response.status == 404
    assert "Location" not in response.headers
    assert count(engine, Click) == 0 and count(engine, ShareIntent) == 0


async def test_bots_head_requests_and_previews_are_recorded_but_not_human(world, engine) -> None:
    await add_item(world, "News", "https://example.com/n")
    can, out = world.chat("can@example.com")
    await can.say("share")
    code = share_codes(out.getvalue())["LinkedIn"]
    async with world.client() as client:
        await client.get(f"/s/{code}", allow_redirects=False)
        preview = await client.get(
            f"/r/{code}", allow_redirects=False, headers={"User-Agent": BROWSER}
        )
        bot = await client.get(
            f"/r/{code}",
            allow_redirects=False,
            headers={"User-Agent": "LinkedInBot/1.0 (compatible; Mozilla/5.0)"},
        )
        head = await client.head(
            f"/r/{code}", allow_redirects=False, headers={"User-Agent": BROWSER}
        )
    assert [preview.status, bot.status, head.status] == [302, 302, 302]
    assert count(engine, Click) == 3
    assert count(engine, Click, col(Click.human)) == 0
    assert count(engine, PointEntry, PointEntry.kind == "human_click") == 0
    with session_scope(engine) as db:
        assert {row for row in db.exec(select(Click.ip_hash)).all()} != {"127.0.0.1"}


async def test_bad_urls_are_refused_and_nothing_is_stored(
    world, engine, tmp_path, make_services, chat
) -> None:
    out = await add_item(world, "Bad", "javascript:alert(1)")
    assert "! Give a web address starting with http:// or https://." in out
    out = await add_item(world, "Bad", "https://trusted.example@evil.com/")
    assert "! Web addresses with a user name in them are not accepted." in out
    assert count(engine, ContentItem) == 0

    config = tmp_path / "elci.yaml"
    config.write_text(
        "departments: {sales: {en: Sales, tr: Satış}}\ncontent: {allowed_domains: [example.com]}\n"
    )
    hr, out2 = chat("hr@example.com", services=make_services(config=config))
    for line in ("content add", "Elsewhere", "https://example.org/x", *FORM_DEFAULTS.values()):
        await hr.say(line)
    assert "! example.org is not on the list of allowed sites: example.com." in out2.getvalue()
    await hr.say("https://news.example.com/x")
    assert "Added #1: Elsewhere" in out2.getvalue()
