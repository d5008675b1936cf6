"""KPIs in chat: ``stats campaign ID`` and ``stats departments`` for HR, ``stats`` for
everyone, each with a chart image whose signed URL Elçi serves itself (valid, expired,
forged), on the hand-worked data set (tests/kpis/dataset.py), on both stores."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.compose import build_web_app
from bot.dashboard.signed import chart_url
from tests.kpis.dataset import Seeded, seed

CHART = re.compile(r"\[image\] (\S+)")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def seeded(engine) -> Seeded:
    return seed(engine)


@pytest.fixture
def hr(add_person) -> str:
    add_person("hande@example.com", roles=("employee", "hr"), name="Hande")
    return "hande@example.com"


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_campaign_stats_card_with_its_chart(chat, make_services, seeded, hr) -> None:
    services = make_services()
    session, out = chat(hr, services=services)
    await session.say(f"stats campaign {seeded.campaign_id}")
    said = out.getvalue()
    assert f"Campaign #{seeded.campaign_id}:" in said
    assert "40% (6 of 15 shared)" in said and "5 from 4 people" in said
    assert "71 USD" in said and "Shares: 80% of the target" in said
    [url] = CHART.findall(said)
    assert f"/charts/campaign-{seeded.campaign_id}.png?" in url

    async with TestClient(TestServer(build_web_app(services))) as client:
        image = await client.get(local(url))
        assert image.status == 200 and image.content_type == "image/png"
        assert (await image.read()).startswith(PNG)


async def test_department_stats_hide_small_groups(chat, make_services, seeded, hr) -> None:
    session, out = chat(hr, services=make_services())
    await session.say("stats departments")
    said = out.getvalue()
    assert "Legal: hidden (fewer than 5 people)" in said  # 3 people
    assert "Sales: 67% took part (4 of 6), 5 shares" in said
    assert "/charts/departments.png?" in said


async def test_only_hr_gets_campaign_and_department_stats(chat, make_services, seeded) -> None:
    session, out = chat("p4@example.com", services=make_services())
    for line in (f"stats campaign {seeded.campaign_id}", "stats departments"):
        await session.say(line)
    said = out.getvalue()
    assert said.count("Only people with the HR role can do that.") == 2
    assert "/charts/" not in said
    await session.say("stats")  # their own figures are theirs
    assert "/charts/me-" in out.getvalue()


async def test_bad_campaign_numbers_get_a_clear_answer(chat, make_services, hr) -> None:
    session, out = chat(hr, services=make_services())
    await session.say("stats campaign")
    await session.say("stats campaign 42")
    await session.say("istatistik kampanya x")
    said = out.getvalue()
    assert said.count("Type “stats campaign” and the campaign's number") == 2
    assert "There is no campaign #42." in said


async def test_my_stats_chart_is_a_png(chat, make_services, seeded) -> None:
    services = make_services()
    session, out = chat("p1@example.com", services=services)
    await session.say("stats 90")
    [url] = CHART.findall(out.getvalue())
    assert f"/charts/me-{seeded.people['p1']}-90.png" in url
    async with TestClient(TestServer(build_web_app(services))) as client:
        assert (await (await client.get(local(url))).read()).startswith(PNG)


async def test_chart_urls_expire_and_cannot_be_forged(make_services, seeded) -> None:
    services = make_services()
    engine, base = services.engine, services.settings.public_url
    fresh = local(chart_url(engine, base, "departments", "en"))
    old = local(chart_url(engine, base, "departments", "en", now=0))
    query = parse_qs(urlsplit(fresh).query)
    someone_else = fresh.replace("departments.png", f"me-{seeded.people['p2']}-30.png")
    other_language = fresh.replace("lang=en", "lang=tr")
    later = fresh.replace(f"exp={query['exp'][0]}", f"exp={int(query['exp'][0]) + 86400}")
    async with TestClient(TestServer(build_web_app(services))) as client:
        assert (await client.get(fresh)).status == 200
        for refused in (old, someone_else, other_language, later, "/charts/departments.png"):
            response = await client.get(refused)
            assert response.status == 403, refused
            assert "not valid, or has expired" in await response.text()
        assert (await client.get("/charts/../admin.png?exp=1&sig=x")).status in (403, 404)
