"""The dashboard as HR and intruders meet it: sign-in by a one-time link from chat or by
ELCI_ADMIN_TOKEN, every refusal, and the pages showing the hand-worked data set's figures
(tests/kpis/dataset.py) on both stores."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update

from bot.compose import build_router, build_web_app
from bot.config import Settings
from bot.i18n import Catalogs
from bot.outbound import Outbound
from bot.services import Services
from storage.dashboard import SignInLink
from storage.engine import session_scope
from storage.people import Person, utcnow
from tests.kpis.dataset import Seeded, seed

ADMIN_TOKEN = "s3cret-admin-token-for-tests"
LINK = re.compile(r"https?://\S+/admin/signin\?token=[\w-]+")


@pytest.fixture
def services(engine) -> Services:
    settings = Settings(ELCI_DATABASE_URL=str(engine.url), ELCI_ADMIN_TOKEN=ADMIN_TOKEN)
    return Services(settings, engine, build_router(), Catalogs(), Outbound(engine))


@pytest.fixture
async def client(services):
    async with TestClient(TestServer(build_web_app(services))) as client:
        yield client


async def link_from_chat(chat, services, email: str) -> str:
    session, out = chat(email, services=services)
    await session.say("dashboard")
    found = LINK.search(out.getvalue())
    assert found, out.getvalue()
    return found.group(0)


async def sign_in(client, link: str):
    """Open the link (a page with a button: fetching it spends nothing), then press it."""
    token = link.split("token=")[1]
    page = await client.get(f"/admin/signin?token={token}")
    assert page.status == 200 and token in await page.text()
    return await client.post("/admin/signin", data={"token": token}, allow_redirects=False)


async def test_no_session_is_401_with_how_to_sign_in(client) -> None:
    for path in ("/admin", "/admin/campaigns/1", "/admin/people", "/admin/drafts"):
        response = await client.get(path)
        assert response.status == 401 and "WWW-Authenticate" in response.headers
        assert "typing “dashboard” to Elçi" in await response.text()


async def test_a_link_from_chat_signs_hr_in_once(client, chat, add_person, services) -> None:
    add_person("hande@example.com", roles=("employee", "hr"), name="Hande")
    link = await link_from_chat(chat, services, "hande@example.com")
    signed_in = await sign_in(client, link)
    assert signed_in.status == 303 and signed_in.headers["Location"] == "/admin"
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    overview = await client.get("/admin")
    assert overview.status == 200 and "Campaigns" in await overview.text()

    client.session.cookie_jar.clear()
    again = await sign_in(client, link)  # the same link a second time
    assert again.status == 403
    assert "expired or has already been used" in await again.text()
    assert (await client.get("/admin")).status == 401


async def test_an_expired_link_is_refused(client, chat, add_person, services, engine) -> None:
    add_person("hande@example.com", roles=("employee", "hr"))
    link = await link_from_chat(chat, services, "hande@example.com")
    with session_scope(engine) as db:
        db.execute(update(SignInLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    refused = await sign_in(client, link)
    assert refused.status == 403 and "Set-Cookie" not in refused.headers
    assert "Type “dashboard” to Elçi in chat to get a new one." in await refused.text()
    forged = await client.post("/admin/signin", data={"token": "made-up"})
    assert forged.status == 403


async def test_only_hr_may_ask_for_a_link_and_losing_hr_closes_the_door(
    client, chat, add_person, services, engine
) -> None:
    add_person("emre@example.com", name="Emre")
    session, out = chat("emre@example.com", services=services)
    await session.say("dashboard")
    assert "Only people with the HR role can do that." in out.getvalue()
    assert not LINK.search(out.getvalue())

    add_person("hande@example.com", roles=("employee", "hr"))
    signed_in = await sign_in(client, await link_from_chat(chat, services, "hande@example.com"))
    assert signed_in.status == 303
    with session_scope(engine) as db:
        db.execute(
            update(Person).where(Person.email == "hande@example.com").values(roles=["employee"])
        )
    refused = await client.get("/admin")
    assert refused.status == 403 and "for people with the HR role" in await refused.text()


async def test_the_admin_token_works_and_a_wrong_one_does_not(client) -> None:
    wrong = await client.post("/admin/signin", data={"admin_token": ADMIN_TOKEN + "x"})
    assert wrong.status == 403 and "That admin token is not right." in await wrong.text()
    assert (await client.get("/admin", headers={"Authorization": "Bearer nope"})).status == 401

    bearer = await client.get("/admin", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert bearer.status == 200
    signed_in = await client.post(
        "/admin/signin", data={"admin_token": ADMIN_TOKEN}, allow_redirects=False
    )
    assert signed_in.status == 303
    assert (await client.get("/admin/people")).status == 200
    signed_out = await client.post("/admin/signout", allow_redirects=False)
    assert signed_out.status == 303
    assert (await client.get("/admin")).status == 401


async def test_without_an_admin_token_configured_none_is_accepted(engine) -> None:
    settings = Settings(ELCI_DATABASE_URL=str(engine.url))
    services = Services(settings, engine, build_router(), Catalogs(), Outbound(engine))
    async with TestClient(TestServer(build_web_app(services))) as client:
        assert (await client.post("/admin/signin", data={"admin_token": ""})).status == 403
        headers = {"Authorization": "Bearer "}
        assert (await client.get("/admin", headers=headers)).status == 401


async def test_a_post_from_another_site_is_refused(client) -> None:
    response = await client.post(
        "/admin/signin",
        data={"admin_token": ADMIN_TOKEN},
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
    )
    assert response.status == 403 and "Set-Cookie" not in response.headers


ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def figure(html: str, id_: str) -> str:
    found = re.search(rf'id="{id_}"><dt>[^<]*</dt><dd>([^<]*)</dd>', html)
    assert found, id_
    return found.group(1)


@pytest.fixture
def seeded(engine) -> Seeded:
    return seed(engine)


async def test_the_campaign_page_shows_the_data_sets_figures(client, seeded) -> None:
    response = await client.get(f"/admin/campaigns/{seeded.campaign_id}", headers=ADMIN)
    assert response.status == 200
    html = await response.text()
    # The hand-worked answers of tests/kpis/test_campaign_kpis.py, as a reader sees them.
    assert [figure(html, f) for f in ("reach", "sharers", "participation", "shares")] == [
        "15", "6", "40%", "8",
    ]  # fmt: skip
    assert figure(html, "clicks") == "5" and figure(html, "clickers") == "4"
    assert figure(html, "first-share") == "2.5" and figure(html, "emv") == "71 USD"
    # Targets as progress bars: shares 8 of 10 → 80 %.
    assert 'aria-valuenow="80"' in html and "width: 80.0%" in html
    for chart in ("timeline", "networks", "departments"):
        assert re.search(rf'id="chart-{chart}"><svg', html), chart
    assert "hidden: fewer than 5 people" in html  # legal has 3 people
    assert 'href="http' not in html.split("<main>")[0]  # no outside asset in the head


async def test_pages_speak_turkish(client, seeded) -> None:
    page = await client.get(f"/admin/campaigns/{seeded.campaign_id}?lang=tr", headers=ADMIN)
    html = await page.text()
    assert '<html lang="tr">' in html and "Katılım" in html
    assert "elci_lang=tr" in page.headers["Set-Cookie"]
    browser = await client.get("/admin", headers={**ADMIN, "Accept-Language": "tr-TR,en;q=0.5"})
    assert '<html lang="tr">' in await browser.text()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/admin", "Item A"),
        ("/admin/content", "Reach"),
        ("/admin/people", "Kişi 1"),
        ("/admin/departments", "Requests and SLAs"),
        ("/admin/drafts", "Drafts pipeline"),
    ],
)
async def test_every_page_renders(client, seeded, path, expected) -> None:
    response = await client.get(path, headers=ADMIN)
    assert response.status == 200, await response.text()
    html = await response.text()
    assert expected in html
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


async def test_an_unknown_campaign_is_404(client) -> None:
    for wanted in ("999", "abc"):
        response = await client.get(f"/admin/campaigns/{wanted}", headers=ADMIN)
        assert response.status == 404 and f"No campaign #{wanted}" in await response.text()


def row(html: str, table: str, first_cell: str) -> list[str]:
    """The cells after ``first_cell`` in that row of the table ``table``, as text."""
    body = re.search(rf'<table id="{table}">(.*?)</table>', html, re.S)
    assert body, table
    for cells in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        texts = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", cells, re.S)
        ]
        if texts and texts[0] == first_cell:
            return texts[1:]
    raise AssertionError(f"no row {first_cell!r} in {table}")


async def test_departments_and_drafts_pages_show_the_data_sets_figures(client, seeded) -> None:
    departments = await (await client.get("/admin/departments", headers=ADMIN)).text()
    # tests/kpis/test_service_kpis.py's answers: requests, answered, median first response,
    # SLA, breaches, misroutes (of those received first).
    assert row(departments, "desks", "Sales") == ["2", "2", "5.5", "8.0", "1", "1 (50%)"]
    assert row(departments, "desks", "Legal") == ["1", "1", "1.0", "48.0", "0", "0 (–)"]
    assert row(departments, "advocacy", "Legal") == ["hidden: fewer than 5 people"]
    drafts = await (await client.get("/admin/drafts", headers=ADMIN)).text()
    assert re.search(r"<dt>Submitted</dt><dd>6</dd>", drafts)
    assert re.search(r"<dt>Approved</dt><dd>3</dd>", drafts)
    assert re.search(r"<dt>Median review time \(hours\)</dt><dd>5.0</dd>", drafts)
    assert row(drafts, "reviewers", "Marketing") == ["3", "4.0"]


async def test_the_leaderboard_leaves_out_who_left_it(client, seeded) -> None:
    people = await (await client.get("/admin/people", headers=ADMIN)).text()
    assert "Kişi 1<" in people or "Kişi 1 ★" in people
    assert "Kişi 3" not in people  # left the leaderboards


async def test_a_period_narrows_the_figures(client, seeded) -> None:
    page = await client.get(f"/admin/campaigns/{seeded.campaign_id}?days=7", headers=ADMIN)
    html = await page.text()
    assert figure(html, "shares") == "0"  # the data set's shares are weeks old
    assert 'aria-current="true">7 days' in html


async def test_cookies_are_secure_behind_https(engine) -> None:
    settings = Settings(
        ELCI_DATABASE_URL=str(engine.url),
        ELCI_ADMIN_TOKEN=ADMIN_TOKEN,
        ELCI_PUBLIC_URL="https://elci.example.com",
    )
    services = Services(settings, engine, build_router(), Catalogs(), Outbound(engine))
    async with TestClient(TestServer(build_web_app(services))) as client:
        signed_in = await client.post(
            "/admin/signin", data={"admin_token": ADMIN_TOKEN}, allow_redirects=False
        )
        assert "Secure" in signed_in.headers["Set-Cookie"]
