"""The per-client rate limit on /s/ and /r/: people never meet it, a flood from one address
does (429, Retry-After, nothing stored) while everyone else goes on being redirected."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func
from sqlmodel import select

from bot.compose import build_web_app
from bot.config import ConfigError
from bot.tracking import limits as limits_module
from bot.tracking.limits import VisitorLimits, limit_rules
from bot.tracking.urls import new_code
from storage.content import ContentItem
from storage.engine import session_scope
from storage.tracking import Click, ShareIntent, links_for

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"


def config_with(tmp_path: Path, tracking: dict[str, Any]) -> Path:
    raw = yaml.safe_load(files("bot").joinpath("default_config.yaml").read_text("utf-8"))
    raw["tracking"] = {**raw.get("tracking", {}), **tracking}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


@pytest.fixture
def links(engine, add_person) -> dict[str, str]:
    """Network → code of one person's share links for one item."""
    person = add_person("can@example.com")
    with session_scope(engine) as session:
        item = ContentItem(title="News", url="https://example.com/n", slug="news")
        session.add(item)
        session.flush()
        made = links_for(session, item.id, person.id, ["linkedin", "x"], new_code)
        return {network: link.code for network, link in made.items()}


def count(engine, model) -> int:
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


async def test_a_busy_office_behind_one_address_is_never_limited(
    make_services, links, engine
) -> None:
    """The shipped limits: one address shares, then 60 clicks arrive at once from it."""
    async with TestClient(TestServer(build_web_app(make_services()))) as client:
        shared = await client.get(f"/s/{links['linkedin']}", allow_redirects=False)
        statuses = [
            (await client.get(f"/r/{links['linkedin']}", allow_redirects=False)).status
            for _ in range(60)
        ]
    assert shared.status == 302 and set(statuses) == {302}
    assert count(engine, Click) == 60 and count(engine, ShareIntent) == 1


async def test_a_flood_from_one_address_gets_429_and_others_go_on(
    make_services, links, engine, tmp_path
) -> None:
    config = config_with(
        tmp_path, {"rate_limit": {"per_second": 0.01, "burst": 5}, "trusted_proxies": ["127.0.0.1"]}
    )
    code = links["linkedin"]
    flooder = {"X-Forwarded-For": "203.0.113.9", "User-Agent": BROWSER}
    async with TestClient(TestServer(build_web_app(make_services(config=config)))) as client:
        flood = [
            await client.get(f"/r/{code}", allow_redirects=False, headers=flooder)
            for _ in range(12)
        ]
        share = await client.get(f"/s/{links['x']}", allow_redirects=False, headers=flooder)
        # Spoofing the left of the header changes nothing: the proxy appended the real one.
        spoofed = await client.get(
            f"/r/{code}",
            allow_redirects=False,
            headers={"X-Forwarded-For": "10.9.8.7, 203.0.113.9"},
        )
        other = await client.get(
            f"/r/{code}", allow_redirects=False, headers={"X-Forwarded-For": "198.51.100.7"}
        )

    assert [response.status for response in flood] == [302] * 5 + [429] * 7
    refused = flood[-1]
    assert refused.headers["Retry-After"] == "100" and "Location" not in refused.headers
    assert share.status == 429 and spoofed.status == 429
    assert other.status == 302
    assert count(engine, Click) == 6 and count(engine, ShareIntent) == 0
    with session_scope(engine) as session:
        visitors = set(session.exec(select(Click.ip_hash)).all())
    assert len(visitors) == 2  # behind the trusted proxy each visitor is told apart


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    make_services, links, engine, tmp_path
) -> None:
    """Without trusted proxies a client cannot dodge the limit with a made-up header."""
    config = config_with(tmp_path, {"rate_limit": {"per_second": 0.01, "burst": 3}})
    async with TestClient(TestServer(build_web_app(make_services(config=config)))) as client:
        statuses = [
            (
                await client.get(
                    f"/r/{links['linkedin']}",
                    allow_redirects=False,
                    headers={"X-Forwarded-For": f"198.51.100.{n}"},
                )
            ).status
            for n in range(6)
        ]
    assert statuses == [302] * 3 + [429] * 3
    assert count(engine, Click) == 3


@pytest.mark.parametrize(
    ("tracking", "key"),
    [
        ({"rate_limit": {"per_second": "fast"}}, "tracking.rate_limit.per_second"),
        ({"rate_limit": {"burst": 0}}, "tracking.rate_limit.burst"),
        ({"rate_limit": 5}, "tracking.rate_limit"),
        ({"trusted_proxies": ["nginx"]}, "tracking.trusted_proxies"),
    ],
)
def test_a_wrong_limit_in_the_config_names_its_key(tracking, key) -> None:
    with pytest.raises(ConfigError, match=key):
        limit_rules(tracking)


def test_the_limit_can_be_switched_off() -> None:
    assert not limit_rules({"rate_limit": False}).enabled


def test_a_trusted_proxy_network_is_recognized_in_both_families() -> None:
    limits = VisitorLimits(limit_rules({"trusted_proxies": ["10.0.0.0/8", "2001:db8::/32"]}))
    assert limits._trusted("10.200.3.4") and limits._trusted("2001:db8:1::7")
    assert not limits._trusted("11.0.0.1") and not limits._trusted("2001:db9::1")
    assert not limits._trusted("nginx") and not limits._trusted(None)


def test_a_full_table_forgets_clients_without_refusing_anyone(monkeypatch) -> None:
    """Forgetting a bucket can only ever let a request through: with the table full,
    newcomers are still admitted, and the table stays within its bound."""
    monkeypatch.setattr(limits_module, "MAX_CLIENTS", 10)
    limits = VisitorLimits(limit_rules({"rate_limit": {"per_second": 0.01, "burst": 2}}))
    assert [limits.admit("203.0.113.1") for _ in range(3)] == [True, True, False]
    newcomers = [limits.admit(f"198.51.100.{n}") for n in range(40)]
    assert all(newcomers) and len(limits._empty_at) <= 10
