"""End to end in a real browser: a real ``elci serve``, HR asks for a link in chat
(``elci chat --say dashboard``), headless Chromium from Debian's packages signs in with it,
opens the campaign page, reads the figures, sees the charts drawn, and leaves screenshots
(desktop and phone) in ``artifacts/``. Skipped without Chromium, except under CI=true."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.engine import make_engine, session_scope
from storage.people import Person
from tests.bot.test_web import free_port, wait_for_health
from tests.kpis.dataset import seed

CHROMIUM = Path("/usr/bin/chromium")
ELCI = Path(sys.executable).with_name("elci")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true, so this fails instead of skipping")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], int]]:
    """``elci serve`` on a seeded SQLite store: (base URL, its environment, campaign id)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ELCI_PORT": str(port),
        "ELCI_PUBLIC_URL": base,
        "ELCI_DATABASE_URL": f"sqlite:///{tmp_path / 'browser.db'}",
    }
    subprocess.run([str(ELCI), "db", "upgrade"], cwd=tmp_path, env=env, check=True)
    engine = make_engine(env["ELCI_DATABASE_URL"])
    campaign_id = seed(engine).campaign_id
    with session_scope(engine) as db:
        db.add(Person(email="hande@example.com", name="Hande", roles=["employee", "hr"]))
    engine.dispose()
    serve = subprocess.Popen([str(ELCI), "serve"], cwd=tmp_path, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for_health(port)
        yield base, env, campaign_id
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=20)


def link_from_chat(env: dict[str, str], cwd: Path) -> str:
    said = subprocess.run(
        [str(ELCI), "chat", "--as", "hande@example.com", "--say", "dashboard"],
        cwd=cwd, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = re.search(r"http://\S+/admin/signin\?token=[\w-]+", said)
    assert found, said
    return found.group(0)


def test_hr_signs_in_with_a_link_from_chat_and_reads_the_campaign(
    chromium: Path, server, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base, env, campaign_id = server
    link = link_from_chat(env, tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            outside: list[str] = []
            page.on(
                "request",
                lambda r: None if r.url.startswith((base, "data:")) else outside.append(r.url),
            )
            page.goto(link)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/admin")
            assert page.get_by_role("heading", name="Overview").is_visible()

            page.goto(f"{base}/admin/campaigns/{campaign_id}")
            figures = {
                name: page.locator(f"#{name} dd").inner_text()
                for name in ("reach", "sharers", "participation", "shares", "clicks", "emv")
            }
            assert figures == {
                "reach": "15", "sharers": "6", "participation": "40%", "shares": "8",
                "clicks": "5", "emv": "71 USD",
            }  # fmt: skip
            charts = {
                "timeline": "Shares and human clicks per day",
                "networks": "By network",
                "departments": "Participation by department",
            }
            for chart, title in charts.items():
                drawn = page.locator(f"#chart-{chart} svg")
                box = drawn.bounding_box()
                assert box and box["width"] > 200 and box["height"] > 80, chart
                assert title in drawn.locator("text").all_text_contents(), chart
                assert drawn.locator("path").count() > 5, chart
            bars = page.locator("#chart-networks svg [id^=patch]").count()
            assert bars >= 5 + 1, bars  # 3 share bars, 2 click bars (X, LinkedIn), background
            assert page.locator(".bar span").first.evaluate("e => e.offsetWidth") > 0
            desktop = ARTIFACTS / "dashboard-campaign.png"
            page.screenshot(path=str(desktop), full_page=True)

            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.context.add_cookies(page.context.cookies())
            phone.goto(f"{base}/admin/campaigns/{campaign_id}?lang=tr")
            assert phone.locator("#participation dt").inner_text() == "Katılım"
            overflow = phone.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert overflow <= 0, "the page scrolls sideways on a phone"
            mobile = ARTIFACTS / "dashboard-campaign-phone.png"
            phone.screenshot(path=str(mobile), full_page=True)
        finally:
            browser.close()
    assert outside == [], "the page reached outside Elçi"
    print(f"\nscreenshots: {desktop} {mobile}")
