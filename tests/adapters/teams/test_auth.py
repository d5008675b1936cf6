"""Who may talk to Elçi on Teams: the SDK validates every token; nothing else is processed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.compose import build_web_app
from bot.config import Settings
from bot.services import Services
from storage.dedup import SeenDelivery
from storage.engine import session_scope
from storage.people import PlatformAccount
from tests.support.teams import APP_ID, TENANT, Keys

ELCI = Path(sys.executable).with_name("elci")


def counts(engine) -> tuple[int, int]:
    with session_scope(engine) as db:
        accounts = db.exec(select(func.count()).select_from(PlatformAccount)).one()
        seen = db.exec(select(func.count()).select_from(SeenDelivery)).one()
    return accounts, seen


async def test_a_valid_token_passes(teams) -> None:
    user = teams.user("john@example.com", "John")
    response = await teams.post(teams.activities.message(user, "help"))
    assert response.status == 200
    assert len(teams.connector.sent()) == 1
    assert counts(teams.engine) == (1, 1)


BAD_TOKENS = {
    "wrong audience": dict(audience="00000000-0000-0000-0000-000000000000"),
    "wrong issuer": dict(issuer="https://evil.example.com"),
    "expired": dict(expires_in=-3600),
    "unknown kid": dict(kid="not-a-published-key"),
    "serviceUrl not the claim": dict(serviceurl="https://smba.trafficmanager.net/emea/"),
}


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
async def test_a_bad_token_is_refused_and_nothing_runs(teams, case: str) -> None:
    user = teams.user("john@example.com", "John")
    activity = teams.activities.message(user, "help")
    claims = {"audience": APP_ID, **BAD_TOKENS[case]}
    token = teams.keys.token(claims.pop("serviceurl", activity["serviceUrl"]), **claims)
    response = await teams.post(activity, token=token)
    assert response.status == 401
    assert teams.connector.calls == []
    assert counts(teams.engine) == (0, 0)


async def test_a_missing_token_is_refused(teams) -> None:
    user = teams.user("john@example.com", "John")
    response = await teams.post(teams.activities.message(user, "help"), token=None)
    assert response.status == 401
    assert teams.connector.calls == [] and counts(teams.engine) == (0, 0)


async def test_a_token_signed_by_another_key_is_refused(teams) -> None:
    user = teams.user("john@example.com", "John")
    activity = teams.activities.message(user, "help")
    forged = Keys().token(activity["serviceUrl"])  # same kid, another key
    assert (await teams.post(activity, token=forged)).status == 401
    assert teams.connector.calls == [] and counts(teams.engine) == (0, 0)


async def test_a_foreign_tenant_is_refused(teams_for) -> None:
    teams = await teams_for(allowed_tenants=f"{TENANT}, another-tenant")
    user = teams.user("john@example.com", "John")
    assert (await teams.post(teams.activities.message(user, "help"))).status == 200
    foreign = teams.activities.message(user, "help")
    foreign["channelData"]["tenant"]["id"] = "11111111-2222-3333-4444-555555555555"
    foreign["conversation"]["tenantId"] = "11111111-2222-3333-4444-555555555555"
    assert (await teams.post(foreign)).status == 403
    assert len(teams.connector.sent()) == 1
    assert counts(teams.engine) == (1, 1)


async def test_emulator_mode_answers_loopback_only(teams_for) -> None:
    teams = await teams_for(app_id="")
    user = teams.user("john@example.com", "John")
    assert (await teams.post(teams.activities.message(user, "help"), token=None)).status == 200
    away = teams.activities.message(user, "help")
    away["serviceUrl"] = "https://smba.trafficmanager.net/emea/"
    assert (await teams.post(away, token=None)).status == 403
    assert len(teams.connector.sent()) == 1
    assert counts(teams.engine)[1] == 1


async def test_malformed_requests_are_refused(teams) -> None:
    assert (
        await teams.client.post(
            "/api/messages", data=b"{not json", headers={"Content-Type": "application/json"}
        )
    ).status == 400
    assert (await teams.client.post("/api/messages", data=b"help")).status == 415
    assert (await teams.client.post("/api/messages", json={"text": "no type"})).status == 400
    assert teams.connector.calls == []


def serve(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MICROSOFT_")}
    environment.update(ELCI_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}", ELCI_PORT="9", **env)
    return subprocess.run(
        [str(ELCI), "serve"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_refuses_emulator_mode_on_a_public_address(tmp_path: Path) -> None:
    result = serve(tmp_path, ELCI_HOST="0.0.0.0")
    assert result.returncode != 0
    assert "Refusing to serve Teams without authentication on 0.0.0.0" in result.stderr
    assert "MICROSOFT_APP_ID" in result.stderr


def test_emulator_mode_on_a_public_address_needs_an_explicit_yes(make_services) -> None:
    base = make_services()

    def services(**env: object) -> Services:
        settings = Settings(ELCI_DATABASE_URL=str(base.engine.url), MICROSOFT_APP_ID="", **env)
        return Services(settings, base.engine, base.router, base.catalogs, base.outbound)

    with pytest.raises(click.ClickException, match="ELCI_ALLOW_UNAUTHENTICATED=1"):
        build_web_app(services(ELCI_HOST="0.0.0.0"))
    app = build_web_app(services(ELCI_HOST="0.0.0.0", ELCI_ALLOW_UNAUTHENTICATED=True))
    assert any(r.resource.canonical == "/api/messages" for r in app.router.routes())
    build_web_app(services(ELCI_HOST="::1"))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MICROSOFT_APP_PASSWORD": None}, "MICROSOFT_APP_PASSWORD is empty"),
        ({"MICROSOFT_APP_TYPE": "SingleTenant"}, "needs MICROSOFT_APP_TENANT_ID"),
        ({"MICROSOFT_APP_TYPE": "Personal"}, "use MultiTenant, SingleTenant"),
    ],
)
def test_settings_that_cannot_work_stop_serve_with_a_word(make_services, env, message) -> None:
    base = make_services()
    settings = Settings(
        ELCI_DATABASE_URL=str(base.engine.url),
        MICROSOFT_APP_ID=APP_ID,
        **{"MICROSOFT_APP_PASSWORD": "secret", **env},
    )
    services = Services(settings, base.engine, base.router, base.catalogs, base.outbound)
    with pytest.raises(click.ClickException, match=message):
        build_web_app(services)
