"""Garbage at every route of the real app: a 4xx, no error in the logs, the database as it was.

The app is the one ``elci serve`` runs (``build_web_app``), with Slack mounted on the
test's database and Teams in emulator mode; a second app has Teams authenticated. Every
request is one a scanner, a broken proxy or an attacker could send. A 5xx would make Slack
and Teams retry garbage forever and page whoever watches the error log, so each case
asserts the status class, the absence of ERROR records, and an unchanged database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from adapters.slack.app import MAX_BODY as SLACK_MAX_BODY
from adapters.teams.app import MAX_BODY as TEAMS_MAX_BODY
from bot.web_limits import MAX_BODY
from storage import tables  # noqa: F401  (every table registered on the metadata)
from tests.support.slack import SIGNING_SECRET

DEEP = b"[" * 100_000
DEEP_OBJECT = b'{"a":' * 50_000
BAD_UTF8 = b'{"type": "message", "text": "\xff\xfe\xc3\x28"}'
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    signed: bool = False


def signed_headers(body: bytes, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's v0 signature over the raw bytes (the wire helper signs only text)."""
    stamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


def slack_case(
    name: str, body: bytes, content_type: str | None = JSON, signed: bool = True
) -> Case:
    return Case(name, "POST", "/slack/events", body, content_type, signed=signed)


def payload(value: str) -> bytes:
    return ("payload=" + quote(value)).encode()


GARBAGE = [
    ("JSON array", b"[1, 2, 3]"),
    ("JSON string", b'"event_callback"'),
    ("JSON null", b"null"),
    ("deep array nesting", DEEP),
    ("deep object nesting", DEEP_OBJECT),
    ("invalid UTF-8", BAD_UTF8),
    ("empty body", b""),
]
"""Bodies both platform routes get with a JSON content type (Slack's signed)."""

SLACK_CASES = [
    *(slack_case(name, body) for name, body in GARBAGE),
    slack_case("unsigned JSON", b'{"type": "event_callback"}', signed=False),
    slack_case("unsigned deep nesting", DEEP, signed=False),
    slack_case("unsigned invalid UTF-8", BAD_UTF8, signed=False),
    slack_case("unsigned empty", b"", signed=False),
    slack_case("malformed JSON", b'{"type": "event_callback", "event": {'),
    slack_case("empty form", b"", FORM),
    slack_case("wrong content type", b'{"type": "event_callback"}', "text/plain"),
    slack_case("XML", b"<?xml version='1.0'?><a/>", "application/xml"),
    slack_case("form without payload", b"a=1&b=2", FORM),
    slack_case("form with a broken payload", payload("{not json"), FORM),
    slack_case("form with a deep payload", payload("[" * 100_000), FORM),
    slack_case("form with a payload array", payload("[1]"), FORM),
    slack_case("form with invalid UTF-8", b"payload=%ff%fe%c3%28", FORM),
    slack_case("slash command with nothing but the command", b"command=%2Felci", FORM),
    slack_case("event callback without an event", b'{"type": "event_callback"}'),
    slack_case("event of the wrong shape", b'{"type": "event_callback", "event": [1]}'),
    slack_case("block actions without actions", payload('{"type": "block_actions"}'), FORM),
    slack_case("view submission without a view", payload('{"type": "view_submission"}'), FORM),
    slack_case(
        "view submission with a view of the wrong shape",
        payload('{"type": "view_submission", "view": "x", "user": {"id": "U1"}}'),
        FORM,
    ),
    slack_case("url_verification without a challenge", b'{"type": "url_verification"}'),
]


def teams(name: str, body: bytes, content_type: str | None = JSON) -> Case:
    return Case(name, "POST", "/api/messages", body, content_type)


TEAMS_CASES = [
    *(teams(name, body) for name, body in GARBAGE),
    teams("malformed JSON", b'{"type": "message",'),
    teams("form body", b"type=message", FORM),
    teams("no content type", b'{"type": "message"}', None),
    teams("activity without a type", b'{"text": "hi"}'),
    teams("activity with fields of the wrong types", b'{"type": 5, "from": "x", "id": []}'),
    teams(
        "message with a non-loopback service URL",
        b'{"type": "message", "serviceUrl": "https://evil.example", "text": "hi"}',
    ),
]

OTHER_CASES = [
    Case("unknown code", "GET", "/r/AAAAAAAAAAAAAAAAAAAAAA"),
    Case("malformed code", "GET", "/r/'%20OR%201=1--"),
    Case("invalid UTF-8 in the code", "GET", "/r/%ff%fe"),
    Case("NUL in the code", "GET", "/s/abc%00def"),
    Case("very long code", "GET", "/r/" + "A" * 4000),
    Case("share with unknown code", "GET", "/s/AAAAAAAAAAAAAAAAAAAAAA"),
    Case("HEAD on a share", "HEAD", "/s/AAAAAAAAAAAAAAAAAAAAAA"),
    Case("POST to a click", "POST", "/r/AAAAAAAAAAAAAAAAAAAAAA", b"x=1", FORM),
    Case("a body on a click", "GET", "/r/AAAAAAAAAAAAAAAAAAAAAA", b"x" * 100, FORM),
    Case("a body on health", "GET", "/healthz", b'{"a": 1}', JSON),
    Case("POST to health", "POST", "/healthz", DEEP, JSON),
    Case("POST to metrics", "POST", "/metrics", BAD_UTF8, JSON),
    Case("a body on metrics", "GET", "/metrics", DEEP, JSON),
    Case("path traversal", "GET", "/r/..%2F..%2Fetc%2Fpasswd"),
    Case("unknown route", "POST", "/admin/../../slack/events", DEEP, JSON),
]

SAME_ORIGIN = {"Origin": "http://127.0.0.1:3978"}
ADMIN_CASES = [
    Case("sign-in with invalid UTF-8", "POST", "/admin/signin", b"token=%ff%fe", FORM, SAME_ORIGIN),
    Case(
        "sign-in with raw invalid UTF-8",
        "POST",
        "/admin/signin",
        b"token=\xff\xfe",
        FORM,
        SAME_ORIGIN,
    ),
    Case("sign-in with JSON", "POST", "/admin/signin", DEEP, JSON, SAME_ORIGIN),
    Case(
        "sign-in with a broken multipart body",
        "POST",
        "/admin/signin",
        b"--x\r\njunk",
        "multipart/form-data; boundary=x",
        SAME_ORIGIN,
    ),
    Case("sign-in with no body", "POST", "/admin/signin", b"", FORM, SAME_ORIGIN),
    Case(
        "sign-in with a made-up token",
        "POST",
        "/admin/signin",
        b"token=" + b"A" * 5000,
        FORM,
        SAME_ORIGIN,
    ),
    Case(
        "sign-in from another site",
        "POST",
        "/admin/signin",
        b"admin_token=x",
        FORM,
        {"Origin": "https://evil.example"},
    ),
    Case(
        "sign-out from another site",
        "POST",
        "/admin/signout",
        b"",
        FORM,
        {"Origin": "https://evil.example"},
    ),
    Case("dashboard without a session", "GET", "/admin"),
    Case(
        "dashboard with a forged cookie",
        "GET",
        "/admin",
        headers={"Cookie": "elci_session=%ff" + "A" * 4000},
    ),
    Case("campaign id out of range", "GET", "/admin/campaigns/99999999999999999999999"),
    Case("campaign id not a number", "GET", "/admin/campaigns/%ff"),
    Case("dashboard with a bad period", "GET", "/admin?period=%ff%00&from=-1e999"),
    Case("chart with a forged name", "GET", "/charts/..%2F..%2Fetc%2Fpasswd.png"),
    Case("chart with a bad signature", "GET", "/charts/campaign-1.png?sig=%ff&exp=x"),
    Case("a body on the dashboard", "GET", "/admin", b"x" * 10, FORM),
]


def table_rows(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, for a before/after comparison."""
    rows: dict[str, list[tuple]] = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            found = connection.execute(text(f'SELECT * FROM "{table.name}"')).all()
            rows[table.name] = sorted(tuple(map(repr, row)) for row in found)
    return rows


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.ERROR
    ]


async def send(client, case: Case):  # type: ignore[no-untyped-def]
    headers = dict(case.headers)
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    if case.signed:
        headers.update(signed_headers(case.body))
    data = case.body if case.method not in ("GET", "HEAD") or case.body else None
    return await client.request(
        case.method, case.path, data=data, headers=headers, allow_redirects=False
    )


def refused(status: int) -> bool:
    return 400 <= status < 500


@pytest.mark.parametrize(
    "case", SLACK_CASES + TEAMS_CASES + OTHER_CASES + ADMIN_CASES, ids=lambda c: c.name
)
async def test_garbage_gets_a_4xx_no_error_log_and_changes_nothing(
    slack, engine: Engine, caplog: pytest.LogCaptureFixture, case: Case
) -> None:
    before = table_rows(engine)
    caplog.set_level(logging.DEBUG)
    response = await send(slack.client, case)
    await slack.settle()
    assert refused(response.status), (response.status, await response.text())
    assert not errors_logged(caplog)
    assert table_rows(engine) == before


@pytest.mark.parametrize("case", TEAMS_CASES, ids=lambda c: c.name)
async def test_garbage_to_authenticated_teams_gets_a_4xx(
    teams, caplog: pytest.LogCaptureFixture, case: Case
) -> None:
    before = table_rows(teams.engine)
    caplog.set_level(logging.DEBUG)
    token = teams.keys.token(teams.connector.url, audience=teams.app_id)
    signed = Case(
        case.name,
        case.method,
        case.path,
        case.body,
        case.content_type,
        {"Authorization": f"Bearer {token}"},
    )
    response = await send(teams.client, signed)
    assert refused(response.status), (response.status, await response.text())
    assert not errors_logged(caplog)
    assert table_rows(teams.engine) == before


IGNORED_EVENTS = [
    {"type": "message"},
    {"type": "message", "channel_type": "im", "bot_id": "B1", "text": "<!channel>"},
    {"type": "app_mention", "text": "hi"},
    {"type": "app_home_opened", "user": "U1", "tab": "messages"},
    {"type": "message", "subtype": "message_changed", "channel_type": "im", "user": "U1"},
]


@pytest.mark.parametrize("event", IGNORED_EVENTS, ids=lambda event: event["type"])
async def test_signed_events_with_nothing_to_answer_are_acked_and_ignored(
    slack, engine: Engine, caplog: pytest.LogCaptureFixture, event: dict
) -> None:
    """Slack retries anything but a 2xx, so an event Elçi has no use for is acknowledged
    (and nothing happens), even when it lacks what a real one would carry."""
    before = table_rows(engine)
    caplog.set_level(logging.DEBUG)
    body = json.dumps({"type": "event_callback", "team_id": "T0ELCI001", "event": event})
    response = await send(slack.client, slack_case("", body.encode()))
    await slack.settle()
    assert response.status == 200
    assert not errors_logged(caplog)
    assert table_rows(engine) == before
    assert [call.method for call in slack.api.calls if call.method != "auth.test"] == []


async def test_a_bad_slack_signature_is_401_whatever_the_body(slack) -> None:
    """The signature is checked before the body is parsed: garbage with a wrong signature
    is a 401, never a 400 that would tell the sender how far it got."""
    for body in (DEEP, BAD_UTF8, b"", b"payload=%ff", b'{"type": "url_verification"}'):
        headers = {**signed_headers(body, secret="not-the-secret"), "Content-Type": JSON}
        response = await slack.client.post("/slack/events", data=body, headers=headers)
        assert response.status == 401, body[:20]


# --- body limits ---------------------------------------------------------------------------


def limit_cases() -> list[tuple[str, str, int]]:
    return [
        ("/slack/events", FORM, SLACK_MAX_BODY),
        ("/api/messages", JSON, TEAMS_MAX_BODY),
        ("/healthz", JSON, 0),
        ("/r/AAAAAAAAAAAAAAAAAAAAAA", JSON, 0),
        ("/metrics", JSON, 0),
        ("/nowhere", JSON, MAX_BODY),
    ]


@pytest.mark.parametrize(("path", "content_type", "limit"), limit_cases())
async def test_a_body_over_the_route_limit_is_413_with_a_reason(
    slack,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
    path: str,
    content_type: str,
    limit: int,
) -> None:
    before = table_rows(engine)
    caplog.set_level(logging.DEBUG)
    method = "POST" if limit else "GET"
    body = b"a" * (limit + 1)
    response = await slack.client.request(
        method, path, data=body, headers={"Content-Type": content_type, **signed_headers(body)}
    )
    assert response.status == 413
    assert await response.json() == {
        "error": "request body too large" if limit else "this route takes no request body",
        "limit_bytes": limit,
    }
    assert not errors_logged(caplog)
    assert table_rows(engine) == before


async def test_a_chunked_body_is_cut_off_at_the_limit(slack) -> None:
    """No Content-Length to refuse up front: the body is read up to the limit, then 413."""
    chunk = b"x" * 65536

    async def stream():  # type: ignore[no-untyped-def]
        for _ in range(SLACK_MAX_BODY // len(chunk) + 2):
            yield chunk

    body_headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": "0"}
    response = await slack.client.post("/slack/events", data=stream(), headers=body_headers)
    assert response.status == 413


async def test_a_body_at_the_limit_is_read(slack) -> None:
    """Exactly the limit is allowed: the signature check (401) runs, not the size check."""
    body = b"a" * SLACK_MAX_BODY
    headers = {"Content-Type": FORM, **signed_headers(body, secret="wrong")}
    response = await slack.client.post("/slack/events", data=body, headers=headers)
    assert response.status == 401


async def test_normal_requests_still_pass(slack, engine: Engine) -> None:
    """The limits cost legitimate traffic nothing: a slash command and health answer."""
    slack.api.add_user("U0AYSE", "ayse@example.com", locale="en-US")
    assert (await slack.command("help")).status == 200
    assert (await slack.client.get("/healthz")).status == 200
    assert (await slack.client.get("/metrics")).status == 200


async def test_huge_headers_are_refused(slack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for headers in ({"X-Junk": "a" * 100_000}, {f"X-H{i}": "a" for i in range(200)}):
        response = await slack.client.get("/healthz", headers=headers)
        assert refused(response.status), response.status
    assert not errors_logged(caplog)
