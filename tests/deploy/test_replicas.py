"""The production topology under load, with faults: nginx → 2 × ``elci serve`` + 1 ×
``elci worker`` on PostgreSQL, started by deploy/local.py (the same nginx.conf as compose).

A client on loopback plays Slack, Teams and browsers at once, while a 2,000-person campaign
(``elci people import``, ``elci campaign create``/``send``) goes out:

- signed ``/elci help`` slash commands through nginx;
- signed Events API DMs, each sent through nginx and, at once, straight to each replica
  (the platform's redeliveries reaching different replicas);
- Teams messages (emulator mode), each sent the same three ways;
- clicks on ``/r/{code}``.

Every sender retries like the platforms do (on a 5xx, a refused connection or a timeout,
with back-off), and nothing else is allowed: in the end every request has a non-5xx
answer. Then: every Slack event and Teams activity processed once (one reply each; a Teams
activity under way at the fault may still be answered twice if the process died between
sending its answer and marking it done), every click recorded, every campaign recipient
messaged once (Teams: at most the in-flight rows of the killed process twice).

Faults: replica1 SIGKILLed midway; and the database cut off mid-load — through a TCP proxy,
since the shared cluster must keep serving other test runs; with ELCI_TEST_RESTART_POSTGRES=1
(CI, where tests run one at a time) the real cluster is stopped and started instead.
``/healthz`` must go 503 while the database is away and 200 again within seconds.

Marked ``replicas``; needs nginx (skipped without it, except under CI=true).
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio
import yaml
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine, make_url

from bot.directory import COLUMNS
from deploy.local import LocalDeployment, create_schema, nginx_binary
from storage.engine import make_engine
from storage.people import Person, PlatformAccount, utcnow
from storage.tracking import Click
from tests.support.campaigns import TENANT, _account, teams_received
from tests.support.db_cut import DatabaseCut
from tests.support.links import add_shared_links
from tests.support.slack import BOT_TOKEN, SIGNING_SECRET, SlackApiStandIn, sign, slash_command
from tests.support.slack_wire import direct_message, event_callback
from tests.support.teams import ConnectorStandIn
from tests.support.teams_wire import Activities, TeamsUser, personal

pytestmark = [pytest.mark.replicas, pytest.mark.postgres]

PEOPLE = 2000  # the campaign audience: the first half on Slack, the rest on Teams
EVENTS = 120
COMMANDS = 120
ACTIVITIES = 80
CLICKS = 300
LOAD_SECONDS = 12.0  # each stream is spread over this long; the fault comes at ~40 %
BATCH, LANES = 20, 2  # campaign rows a process claims at once, and batches it holds
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
RECOVERY_S = 20  # the database is back: /healthz must say so within this long
RESTART_POSTGRES = os.environ.get("ELCI_TEST_RESTART_POSTGRES") == "1"


# --- the world: people, links, stand-ins, the topology -----------------------------------


def _people_csv(folder: Path) -> Path:
    """The directory HR would import: everyone in sales, the first half with a Slack id."""
    path = folder / "people.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, COLUMNS)
        writer.writeheader()
        for n in range(PEOPLE):
            slack = f"U{n:07d}" if n < PEOPLE // 2 else ""
            writer.writerow({"email": f"p{n}@example.com", "name": f"Person {n}",
                             "department": "sales", "roles": "employee", "locale": "en",
                             "timezone": "Europe/Istanbul", "slack_user_id": slack})  # fmt: skip
    return path


def _link_accounts(engine: Engine, teams_url: str) -> tuple[set[str], set[str]]:
    """Everyone has used the bot once: a Slack or Teams account with a conversation, as
    identity resolution would have written it. Returns the DM channels and Teams chats."""
    now = utcnow()
    with engine.begin() as connection:
        ids = dict(connection.execute(select(Person.email, Person.id)).all())  # type: ignore[call-overload]
        rows, channels, chats = [], set(), set()
        for n in range(PEOPLE):
            person = ids[f"p{n}@example.com"]
            if n < PEOPLE // 2:
                channels.add(f"D{n:07d}")
                ref: dict[str, Any] = {"channel": f"D{n:07d}"}
                rows.append(_account("slack", "T0ELCI", f"U{n:07d}", person, ref, now))
            else:
                user = _teams_user(n)
                chats.add(user.conversation)
                ref = {
                    "serviceUrl": teams_url,
                    "channelId": "msteams",
                    "tenantId": TENANT,
                    "conversation": personal(user.user),
                    "user": user.user.account(),
                    "bot": {"id": "28:elci", "name": "Elçi"},
                }
                rows.append(_account("teams", TENANT, user.user.id, person, ref, now))
        connection.execute(insert(PlatformAccount), rows)
    return channels, chats


def _event_sender(n: int) -> tuple[str, str]:
    """The Slack user of the ``n``-th event, counting from the last of the Slack half, and
    the DM channel the user and the bot share (campaign messages go there too)."""
    number = PEOPLE // 2 - 1 - n
    return f"U{number:07d}", f"D{number:07d}"


@dataclass(frozen=True)
class _Chat:
    user: TeamsUser
    conversation: str


def _teams_user(n: int) -> _Chat:
    """Person ``n`` on Teams, counting from the last one (the Teams half of the directory)."""
    number = PEOPLE - 1 - n if n < PEOPLE // 2 else n
    aad = str(uuid.uuid5(uuid.NAMESPACE_URL, f"person-{number}"))
    user = TeamsUser(f"29:1user{number}", f"Person {number}", f"p{number}@example.com", aad)
    return _Chat(user, personal(user)["id"])


def _links(engine: Engine) -> list[str]:
    """CLICKS people's share links of one item, each shared an hour ago."""
    with engine.connect() as connection:
        people = connection.execute(select(Person.id).limit(CLICKS)).scalars().all()  # type: ignore[call-overload]
    return add_shared_links(engine, people)


def _config(folder: Path) -> Path:
    raw = yaml.safe_load(files("bot").joinpath("default_config.yaml").read_text("utf-8"))
    raw["campaigns"] = {
        "working_hours": {"enabled": False},
        "rate_per_second": {"slack": 150, "teams": 150},
        "batch": BATCH,
        "concurrency": BATCH,
        "lease_seconds": 10,
        "backoff_seconds": 0.2,
    }
    # nginx on loopback is the proxy whose X-Forwarded-For names the visitor.
    raw["tracking"] = {**raw.get("tracking", {}), "trusted_proxies": ["127.0.0.1"]}
    path = folder / "elci.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


@dataclass
class World:
    deployment: LocalDeployment
    engine: Engine
    env: dict[str, str]
    slack_api: SlackApiStandIn
    connector: ConnectorStandIn
    folder: Path
    cut: DatabaseCut
    channels: set[str] = field(default_factory=set)
    chats: set[str] = field(default_factory=set)
    codes: list[str] = field(default_factory=list)

    def elci(self, *args: str) -> str:
        """``elci ARGS`` as an operator runs it, against the topology's database."""
        done = subprocess.run(
            [str(Path(sys.executable).with_name("elci")), *args],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"elci {' '.join(args)}: {done.stderr[-2000:]}"
        return done.stdout


@pytest.fixture
def nginx_installed() -> None:
    if nginx_binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed; .ci/run installs it")
        pytest.skip("nginx is not installed (apt-get install nginx)")


@pytest_asyncio.fixture
async def world(
    nginx_installed: None,
    postgres_admin: Engine,
    tmp_path: Path,
    slack_api: SlackApiStandIn,
    connector: ConnectorStandIn,
) -> AsyncIterator[World]:
    schema = f"replicas_{uuid.uuid4().hex[:12]}"
    admin_url = postgres_admin.url.render_as_string(hide_password=False)
    url = create_schema(admin_url, schema)
    server = make_url(url)
    cut = DatabaseCut(server.host or "127.0.0.1", server.port or 5432).start()
    through_cut = server.set(port=cut.port).render_as_string(hide_password=False)
    env = {
        "ELCI_CONFIG": str(_config(tmp_path)),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.url,
        "MICROSOFT_APP_ID": "",
    }
    deployment = LocalDeployment(through_cut, tmp_path / "topology", env=env)
    operator = {**os.environ, **env, "ELCI_DATABASE_URL": url, "ELCI_LOG_LEVEL": "WARNING"}
    engine = make_engine(url)
    try:
        world = World(deployment, engine, operator, slack_api, connector, tmp_path, cut)
        world.elci("people", "import", str(_people_csv(tmp_path)))
        world.channels, world.chats = _link_accounts(engine, connector.url)
        world.codes = _links(engine)
        for n in range(PEOPLE // 2):
            slack_api.add_user(f"U{n:07d}", f"p{n}@example.com", name=f"Person {n}")
        await asyncio.to_thread(deployment.start)
        yield world
    finally:
        await asyncio.to_thread(deployment.stop)
        for name, component in deployment.components.items():
            errors = [line for line in component.tail(400).splitlines() if '"ERROR"' in line]
            if errors:
                print(f"--- {name}: {len(errors)} error lines, last:\n{errors[-1][:500]}")
        engine.dispose()
        cut.close()
        with postgres_admin.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


# --- a client that retries as the platforms do -------------------------------------------


@dataclass
class Tally:
    answered: Counter[str] = field(default_factory=Counter)  # final statuses, by kind
    retried: Counter[str] = field(default_factory=Counter)  # 5xx / errors before a retry
    final_5xx: list[str] = field(default_factory=list)
    in_flight: Counter[str] = field(default_factory=Counter)  # requests under way, by what
    attempts: Counter[str] = field(default_factory=Counter)  # requests sent, by what
    at_fault: set[str] = field(default_factory=set)  # what was under way when the fault came

    def fault(self) -> None:
        """A turn under way when its process dies (or loses the database) may have answered
        the user without its event being marked done: the platform's retry answers again.
        Those, and only those, may be answered twice; nothing may be lost."""
        self.at_fault = {key for key, count in self.in_flight.items() if count}


async def _send(
    session: aiohttp.ClientSession,
    tally: Tally,
    kind: str,
    urls: Iterator[str],
    request: Callable[[int], tuple[str, dict[str, Any]]],
    what: str,
    deadline_s: float = 60.0,
) -> int:
    """Send until a non-5xx answer, as Slack and Teams retry (and a browser's user reloads);
    ``request(attempt)`` gives (method, aiohttp kwargs), so each attempt is signed anew;
    ``what`` names the event, activity or click the request carries."""
    give_up = time.monotonic() + deadline_s
    attempt = 0
    while True:
        url = next(urls)
        method, kwargs = request(attempt)
        status = 0
        tally.in_flight[what] += 1
        tally.attempts[what] += 1
        try:
            async with session.request(method, url, allow_redirects=False, **kwargs) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError):
            pass
        finally:
            tally.in_flight[what] -= 1
        if 0 < status < 500:
            tally.answered[f"{kind} {status}"] += 1
            return status
        if time.monotonic() > give_up:
            tally.final_5xx.append(f"{kind}: {status or 'no answer'} after {attempt + 1} tries")
            return status
        tally.retried[kind] += 1
        attempt += 1
        await asyncio.sleep(min(0.1 * 2**attempt, 2.0))


def _then_nginx(first: str, front: str, path: str) -> Iterator[str]:
    """The first try where the platform sent it; retries through the front door."""
    yield first + path
    while True:
        yield front + path


def _slack(body: str, content_type: str) -> Callable[[int], tuple[str, dict[str, Any]]]:
    def request(attempt: int) -> tuple[str, dict[str, Any]]:
        headers = {**sign(body), "Content-Type": content_type}
        if attempt:
            headers |= {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_error"}
        return "POST", {"data": body.encode(), "headers": headers}

    return request


async def _paced(count: int, each: Callable[[int], Awaitable[Any]]) -> None:
    """``count`` sends spread evenly over LOAD_SECONDS, each on its own."""
    tasks = []
    for n in range(count):
        tasks.append(asyncio.create_task(each(n)))
        await asyncio.sleep(LOAD_SECONDS / count)
    await asyncio.gather(*tasks)


async def _load(world: World, tally: Tally) -> None:
    """Every stream at once, through nginx (duplicates straight to a replica)."""
    front = world.deployment.url
    replicas = [world.deployment.replica_url(n) for n in world.deployment.replica_names]
    activities = Activities(world.connector.url)
    timeout = aiohttp.ClientTimeout(total=8)
    connector = aiohttp.TCPConnector(limit=200)

    async def _redelivered(
        session: aiohttp.ClientSession, tally: Tally, kind: str, path: str, request: Any, what: str
    ) -> None:
        """Through nginx, and at the same time straight to each replica: whichever replica
        nginx picks, two replicas get the same delivery (the platform's redelivery)."""
        await asyncio.gather(
            _send(session, tally, kind, _then_nginx(front, front, path), request, what),
            *(
                _send(
                    session,
                    tally,
                    f"{kind} (again)",
                    _then_nginx(replica, front, path),
                    request,
                    what,
                )
                for replica in replicas
            ),
        )

    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def command(n: int) -> None:
            body = urlencode(
                slash_command("help", f"U{n:07d}", "C0GENERAL", world.slack_api.response_url())
            )
            urls = _then_nginx(front, front, "/slack/events")
            request = _slack(body, "application/x-www-form-urlencoded")
            await _send(session, tally, "slash", urls, request, f"slash {n}")

        async def event(n: int) -> None:
            user, channel = _event_sender(n)
            body = json.dumps(event_callback(direct_message("help", user, channel), f"Ev{n:08d}"))
            request = _slack(body, "application/json")
            await _redelivered(session, tally, "event", "/slack/events", request, channel)

        async def teams(n: int) -> None:
            user = _teams_user(n).user
            world.connector.add_member(user)
            body = activities.message(user, "help")

            def request(_attempt: int) -> tuple[str, dict[str, Any]]:
                return "POST", {"json": body}

            chat = _teams_user(n).conversation
            await _redelivered(session, tally, "teams", "/api/messages", request, chat)

        async def click(n: int) -> None:
            headers = {"User-Agent": BROWSER, "X-Forwarded-For": f"198.51.100.{n % 250 + 1}"}

            def request(_attempt: int) -> tuple[str, dict[str, Any]]:
                return "GET", {"headers": headers}

            code = world.codes[n]
            await _send(
                session, tally, "click", _then_nginx(front, front, f"/r/{code}"), request, code
            )

        await asyncio.gather(
            _paced(COMMANDS, command),
            _paced(EVENTS, event),
            _paced(ACTIVITIES, teams),
            _paced(CLICKS, click),
        )


# --- what must hold afterwards -----------------------------------------------------------


async def _until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


def _campaign_pending(world: World, campaign: str) -> int:
    return int(json.loads(world.elci("campaign", "status", campaign, "--json"))["pending"])


async def _check(world: World, tally: Tally, campaign: str, interrupted: int) -> None:
    """``interrupted``: processes that may have lost track of the rows they held. Every
    broken promise is listed, not just the first."""
    problems: list[str] = []
    if tally.final_5xx:
        problems.append(f"{len(tally.final_5xx)} sends never got a non-5xx answer")
    expected = Counter(
        {
            "slash 200": COMMANDS,
            "event 200": EVENTS,
            "event (again) 200": 2 * EVENTS,
            "teams 200": ACTIVITIES,
            "teams (again) 200": 2 * ACTIVITIES,
            "click 302": CLICKS,
        }
    )
    if tally.answered != expected:
        problems.append(f"final answers {dict(tally.answered)}")

    # Events: one reply each, however many deliveries and replicas saw them.
    event_channels = {_event_sender(n)[1] for n in range(EVENTS)}
    posted = world.slack_api.posted
    await _until(lambda: event_channels <= set(posted), 20)
    await asyncio.sleep(1.5)  # a duplicate would be a late one
    replies = Counter({c: len(_replies(posted.get(c, []))) for c in event_channels})
    # No exemption for those under way at the fault: a process taking over an event looks
    # for its answer in the DM first (adapters/slack/app.py).
    if wrong := _not_once(replies, set()):
        problems.append(f"Slack events not answered once: {wrong}")

    sent = world.connector.sent()
    chats = {_teams_user(n).conversation for n in range(ACTIVITIES)}
    answered = teams_received([call for call in sent if not _campaign_activity(call)])
    if wrong := _not_once(Counter({c: answered[c] for c in chats}), tally.at_fault):
        problems.append(f"Teams activities not answered once: {wrong}")

    # Clicks: every one stored; more than once only if sent more than once, or under way at
    # the fault (nginx passes a GET whose replica died on to the other one).
    with world.engine.connect() as connection:
        stored = Counter(
            dict(
                connection.execute(
                    select(Click.code, func.count()).group_by(Click.code)  # type: ignore[call-overload]
                ).all()
            )
        )
    if lost := set(world.codes) - set(stored):
        problems.append(f"{len(lost)} clicks not recorded")
    limit = {code: tally.attempts[code] + (code in tally.at_fault) for code in world.codes}
    if wrong := {code: n for code, n in stored.items() if n > limit.get(code, 1)}:
        problems.append(f"clicks stored more often than sent: {wrong}")

    # The campaign: everyone once; Teams resends at most what the interrupted ones held.
    await _until(lambda: _campaign_pending(world, campaign) == 0, 60)
    status = json.loads(world.elci("campaign", "status", campaign, "--json"))
    if (status["sent"], status["failed"], status["pending"]) != (PEOPLE, 0, 0):
        problems.append(f"campaign status {status}")
    slack = Counter(_delivery(m) for messages in posted.values() for m in messages)
    del slack[None]
    if len(slack) != PEOPLE // 2 or set(slack.values()) != {1}:
        twice = sum(1 for n in slack.values() if n > 1)
        problems.append(f"Slack campaign: {len(slack)} of {PEOPLE // 2} reached, {twice} twice")
    # The connector's calls as of now: the campaign may have been finishing until just above.
    teams = teams_received([c for c in world.connector.sent() if _campaign_activity(c)])
    if set(teams) != world.chats:
        problems.append(f"Teams campaign: {len(world.chats - set(teams))} recipients missed")
    if (twice := sum(teams.values()) - len(teams)) > interrupted * LANES * BATCH:
        problems.append(f"Teams campaign: {twice} sent twice")
    assert not problems, "\n".join(problems)


def _not_once(answers: Counter[str], at_fault: set[str]) -> dict[str, int]:
    """Deliveries answered other than once, except a second answer to one under way at the
    fault (see ``Tally.fault``)."""
    return {
        key: count
        for key, count in answers.items()
        if count != 1 and not (count == 2 and key in at_fault)
    }


def _campaign_activity(call: Any) -> bool:
    """A Teams send of the campaign (its card names the content), not a reply to a turn."""
    return "Our new plant" in json.dumps(call.body, ensure_ascii=False)


def _delivery(message: dict[str, Any]) -> str | None:
    """The campaign delivery a Slack message carries in its metadata, if any."""
    metadata = message.get("metadata") or {}
    metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
    return (metadata.get("event_payload") or {}).get("delivery")


def _replies(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages that are not campaign deliveries (a campaign goes to the DM used last)."""
    return [message for message in messages if _delivery(message) is None]


async def _start_campaign(world: World) -> str:
    item = world.elci(
        "content", "add", "--title", "Our new plant", "--url", "https://example.com/news/plant"
    ).strip()
    campaign = world.elci(
        "campaign", "create", "--name", "Plant", "--content", item, "--audience", "all"
    ).strip()
    world.elci("campaign", "send", campaign)
    return campaign


# --- the scenarios -----------------------------------------------------------------------


async def test_a_replica_killed_mid_load_loses_nothing(world: World) -> None:
    tally = Tally()
    campaign = await _start_campaign(world)
    load = asyncio.create_task(_load(world, tally))
    await asyncio.sleep(LOAD_SECONDS * 0.4)
    tally.fault()
    await asyncio.to_thread(world.deployment.kill, "replica1")
    await load
    assert world.deployment.status()["replica2"], "the surviving replica died"
    await _check(world, tally, campaign, interrupted=1)
    assert tally.retried, "the kill should have cost some requests a retry"


async def _health(url: str) -> int:
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{url}/healthz", timeout=aiohttp.ClientTimeout(total=5)) as response,
        ):
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


def _postgres(action: str) -> None:
    """The real cluster (CI only, where nothing else uses it meanwhile)."""
    cluster = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", action],
        check=True,
        timeout=60,
    )
    deadline = time.monotonic() + 30
    while action == "start" and subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"]).returncode:
        assert time.monotonic() < deadline, "PostgreSQL did not come back"
        time.sleep(0.5)


async def test_the_database_going_away_mid_load_loses_nothing(world: World) -> None:
    tally = Tally()
    campaign = await _start_campaign(world)
    assert await _until_async(lambda: _health(world.deployment.url), 200, 10), "not healthy"
    load = asyncio.create_task(_load(world, tally))
    await asyncio.sleep(LOAD_SECONDS * 0.4)
    tally.fault()
    if RESTART_POSTGRES:
        await asyncio.to_thread(_postgres, "stop")
    else:
        await asyncio.to_thread(world.cut.cut)
    try:
        assert await _until_async(lambda: _health(world.deployment.url), 503, 15), (
            "/healthz never answered 503 with the database away"
        )
        await asyncio.sleep(3)
    finally:
        if RESTART_POSTGRES:
            await asyncio.to_thread(_postgres, "start")
        else:
            world.cut.restore()
    back = time.monotonic()
    assert await _until_async(lambda: _health(world.deployment.url), 200, 60), (
        "/healthz never back to 200 after the database's return"
    )
    recovery = time.monotonic() - back
    await load
    for name in world.deployment.replica_names:
        assert await _health(world.deployment.replica_url(name)) == 200, f"{name} did not recover"
    await _check(world, tally, campaign, interrupted=3)
    assert recovery < RECOVERY_S, f"/healthz took {recovery:.0f} s to come back"


async def _until_async(probe: Callable[[], Awaitable[int]], wanted: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while await probe() != wanted:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True
