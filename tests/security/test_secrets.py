"""Secrets never leave the process: not in logs, not in answers, not in ``/metrics``.

A real ``elci serve`` runs with recognisable values for every secret it takes (Slack's bot
token and signing secret, the Teams app password, the database password, the dashboard
admin token), then meets what makes software talk: garbage and forged requests, a Slack
Web API that fails, a Teams token it cannot check, and its database schema dropped under
it. Everything it wrote to stderr and every byte it answered is searched for the secrets.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot import logs
from bot.cli.setup import secrets_of
from bot.config import Settings
from tests.security.test_hostile_input import DEEP, signed_headers
from tests.support.slack import Fault, SlackApiStandIn, slash_command

ELCI = Path(sys.executable).with_name("elci")
SIGNING_SECRET = "SIGNINGsecretVALUE0123456789abcd"
SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-4242-4242-BOTtokenSECRETvalue",
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "MICROSOFT_APP_PASSWORD": "TEAMSpassword~SECRETvalue.42",
    "ELCI_ADMIN_TOKEN": "ADMINtokenSECRETvalue4242",
}
DB_PASSWORD = "DBpasswordSECRETvalue42"
EVERY_SECRET = (*SECRETS.values(), DB_PASSWORD)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def schema_url(postgres_admin: Engine) -> tuple[str, str]:
    """A fresh PostgreSQL schema, and a URL to it that carries ``DB_PASSWORD`` (the test
    server trusts loopback, so any password connects)."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with postgres_admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = postgres_admin.url.set(password=DB_PASSWORD).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    yield url.render_as_string(hide_password=False), schema
    with postgres_admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


async def wait_until_healthy(http: aiohttp.ClientSession, base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            async with http.get(f"{base}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        assert time.monotonic() < deadline, "elci serve did not become healthy"
        await asyncio.sleep(0.2)


@pytest.mark.postgres
async def test_no_secret_in_logs_answers_or_metrics(
    tmp_path: Path, schema_url: tuple[str, str], postgres_admin: Engine
) -> None:
    url, schema = schema_url
    api = SlackApiStandIn()
    await api.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        **SECRETS,
        "ELCI_PORT": str(port),
        "ELCI_DATABASE_URL": url,
        "SLACK_API_URL": api.url,
        "MICROSOFT_APP_ID": "00000000-0000-4000-8000-000000000042",
        "ELCI_LOG_LEVEL": "DEBUG",
    }
    stderr_path = tmp_path / "serve.log"
    answers: list[bytes] = []
    with stderr_path.open("wb") as stderr:
        server = await asyncio.create_subprocess_exec(
            str(ELCI), "serve", cwd=tmp_path, env=env, stderr=stderr
        )
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            await wait_until_healthy(http, base)

            async def call(method: str, path: str, **kw: object) -> int:
                async with http.request(method, base + path, allow_redirects=False, **kw) as r:
                    answers.append(await r.read())
                    answers.append(json.dumps(dict(r.headers)).encode())
                    return r.status

            def command(text_: str) -> bytes:
                return urlencode(slash_command(text_, "U0AYSE", "C0GEN", api.response_url()))

            form = {"Content-Type": "application/x-www-form-urlencoded"}
            assert await call("POST", "/slack/events", data=DEEP) == 401
            bad = {**form, **signed_headers(b"x", secret="wrong")}
            assert await call("POST", "/slack/events", data=b"x", headers=bad) == 401
            body = command("help").encode()
            api.fail("users.info", Fault(status=500, error="internal_error"), times=5)
            signed = {**form, **signed_headers(body, SIGNING_SECRET)}
            assert await call("POST", "/slack/events", data=body, headers=signed) == 200
            assert await call("POST", "/slack/events", data=b"a" * 600_000, headers=form) == 413
            activity = {"type": "message", "text": "hi", "serviceUrl": "https://smba.example/"}
            forged = {"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."}
            assert await call("POST", "/api/messages", json=activity, headers=forged) in (401, 403)
            admin = {"Origin": base, **form}
            await call("POST", "/admin/signin", data=b"admin_token=wrong", headers=admin)
            await call("GET", "/admin")
            assert await call("GET", "/metrics") == 200

            with postgres_admin.begin() as connection:  # the database fails under it
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            body = command("points").encode()
            signed = {**form, **signed_headers(body, SIGNING_SECRET)}
            await call("POST", "/slack/events", data=body, headers=signed)
            await call("GET", "/r/AAAAAAAAAAAAAAAAAAAAAA")
            await call("GET", "/metrics")
            await call("GET", "/healthz")
            await asyncio.sleep(2)  # turns after the ack log their failures
    finally:
        server.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.wait(), 30)
        await api.close()
    written = stderr_path.read_text()
    lines = [json.loads(line) for line in written.splitlines() if line.startswith("{")]
    assert any(line["level"] == "ERROR" for line in lines), "the database failure was not seen"
    everything = written + b"\n".join(answers).decode(errors="replace")
    for secret in EVERY_SECRET:
        assert secret not in everything, f"{secret} leaked"


def test_the_log_filter_knows_every_configured_secret() -> None:
    settings = Settings(
        ELCI_DATABASE_URL=f"postgresql://elci:{DB_PASSWORD}@db.example/elci",
        **SECRETS,
    )
    assert set(secrets_of(settings)) >= set(EVERY_SECRET)


def test_credentials_in_any_url_are_masked() -> None:
    """A URL with credentials from somewhere unexpected (a library's error) loses them."""
    redact = logs.RedactSecrets().redact
    assert redact("cannot reach postgresql://elci:hunter2@db:5432/x") == (
        "cannot reach postgresql://elci:[redacted]@db:5432/x"
    )
    assert redact("see https://example.com/a?b=c") == "see https://example.com/a?b=c"
