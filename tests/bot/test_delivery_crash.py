"""Crash safety with real processes: ``elci worker`` killed with SIGKILL at random moments
during one campaign and restarted each time loses nothing, sends no Slack duplicate (the
delivery id in the message metadata is found in the DM's history) and at most the
in-flight count of Teams duplicates (no check possible there: resent at most once). On
PostgreSQL, two workers share one campaign with no duplicate at all.

Stopped with SIGTERM instead, ``elci worker`` and ``elci serve`` release what they had
claimed but not sent: the next worker takes it over at once, not after the lease, and
nobody gets a message twice; ``elci serve`` also finishes the request in flight (one
being processed: aiohttp drops the rest of a body still arriving at shutdown)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import sys
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
import yaml
from sqlalchemy import func, select
from sqlmodel import col

from bot.config import load_config
from bot.delivery import ledger
from bot.delivery.settings import CampaignSettings, WorkingHours
from storage.campaigns import Delivery
from storage.engine import make_engine
from storage.people import PlatformAccount
from tests.support.campaigns import add_audience, add_content, slack_received, teams_received
from tests.support.slack import BOT_TOKEN, SIGNING_SECRET, sign, slash_command

BATCH = 20
LANES = 2  # batches a worker holds at once (DeliveryWorker.run_forever)


def _config(tmp_path: Path, rate: float, lease: float = 3) -> Path:
    raw = yaml.safe_load(files("bot").joinpath("default_config.yaml").read_text("utf-8"))
    raw["campaigns"] = {
        "working_hours": {"enabled": False},
        "rate_per_second": {"slack": rate, "teams": rate},
        "batch": BATCH,
        "concurrency": BATCH,
        "lease_seconds": lease,
        "backoff_seconds": 0.05,
    }
    path = tmp_path / "elci.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


async def _worker(
    database_url: str, slack_url: str, config: Path, command: str = "worker", **extra: str
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "ELCI_DATABASE_URL": database_url,
        "ELCI_CONFIG": str(config),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_url,
        "MICROSOFT_APP_ID": "",
        "ELCI_LOG_LEVEL": "WARNING",
        **extra,
    }
    elci = Path(sys.executable).with_name("elci")
    return await asyncio.create_subprocess_exec(
        str(elci), command, env=env, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def _stop(process: asyncio.subprocess.Process, how: int = signal.SIGTERM) -> None:
    if process.returncode is None:
        process.send_signal(how)
    await asyncio.wait_for(process.wait(), 20)


def _received(slack_api, connector) -> int:
    return sum(slack_received(slack_api.posted).values()) + sum(
        teams_received(connector.sent()).values()
    )


async def _until_done(engine, campaign: int, seconds: float = 90) -> dict:
    for _ in range(int(seconds * 10)):
        counts = ledger.counts(engine, campaign)
        if counts["pending"] == 0:
            return counts
        await asyncio.sleep(0.1)
    raise AssertionError(f"not done: {ledger.counts(engine, campaign)}")


def _campaign(engine, slack: int, teams: int, teams_url: str):
    audience = add_audience(engine, slack, teams, teams_url)
    item = add_content(engine)
    created = ledger.create(engine, load_config(), ledger.NewCampaign("Crash", [item]))
    assert created.id is not None
    settings = CampaignSettings(hours=WorkingHours(enabled=False))
    ledger.start(engine, created.id, ["slack", "teams"], settings)
    return audience, created.id


async def test_kill_9_at_random_moments_loses_nothing(
    database_url, tmp_path, slack_api, connector
) -> None:
    engine = make_engine(database_url)
    audience, campaign = _campaign(engine, 150, 150, connector.url)
    config = _config(tmp_path, rate=40)
    total = 300
    kills = sorted(random.sample(range(int(total * 0.1), int(total * 0.8)), 3))
    for threshold in kills:
        worker = await _worker(database_url, slack_api.url, config)
        while _received(slack_api, connector) < threshold:
            assert worker.returncode is None, "the worker died by itself"
            await asyncio.sleep(random.uniform(0.005, 0.03))
        await _stop(worker, signal.SIGKILL)
    worker = await _worker(database_url, slack_api.url, config)
    try:
        counts = await _until_done(engine, campaign)
    finally:
        await _stop(worker)
        engine.dispose()

    assert (counts["sent"], counts["failed"]) == (total, 0)
    slack = slack_received(slack_api.posted)
    assert set(slack) == set(audience.slack_channels.values())
    assert set(slack.values()) == {1}, "a Slack duplicate"
    teams = teams_received(connector.sent())
    assert set(teams) == set(audience.teams_conversations.values())
    duplicates = sum(teams.values()) - len(teams)
    assert duplicates <= len(kills) * LANES * BATCH  # at most the rows in flight per kill
    checked = {call["channel"] for call in slack_api.called("conversations.history")}
    assert checked == _in_doubt_channels(database_url), "in-doubt rows were not reconciled"


def _in_doubt_channels(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(col(PlatformAccount.conversation_ref))
                .join(Delivery, col(Delivery.person_id) == col(PlatformAccount.person_id))
                .where(col(Delivery.doubts) > 0, col(Delivery.platform) == "slack")
            ).all()
    finally:
        engine.dispose()
    return {row[0]["channel"] for row in rows}


async def test_two_workers_share_one_campaign_on_postgresql(
    empty_database_url, tmp_path, slack_api, connector
) -> None:
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("two workers in parallel are a PostgreSQL matter")
    from storage.migrate import upgrade

    upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    audience, campaign = _campaign(engine, 200, 200, connector.url)
    config = _config(tmp_path, rate=0, lease=30)  # no kill: no lease should lapse
    workers = [await _worker(empty_database_url, slack_api.url, config) for _ in range(2)]
    try:
        counts = await _until_done(engine, campaign)
    finally:
        for worker in workers:
            await _stop(worker)
        engine.dispose()
    assert (counts["sent"], counts["failed"]) == (400, 0)
    assert set(slack_received(slack_api.posted).values()) == {1}
    assert len(slack_api.posted) == 200
    teams = teams_received(connector.sent())
    assert set(teams.values()) == {1} and len(teams) == 200
    assert set(teams) == set(audience.teams_conversations.values())


async def _released_then_finished(
    engine, database_url, tmp_path, slack_api, connector, campaign, total, stopped
) -> None:
    """``stopped`` got SIGTERM mid-campaign: it exits cleanly having released its claimed
    rows, and a new worker delivers the rest well inside the (10 minute) lease."""
    assert await asyncio.wait_for(stopped.wait(), 20) == 0
    with engine.connect() as connection:
        statuses = dict(connection.execute(
            select(col(Delivery.status), func.count()).group_by(col(Delivery.status))
        ).all())  # fmt: skip
    assert "claimed" not in statuses, f"claims left behind at SIGTERM: {statuses}"
    assert 0 < statuses.get("sent", 0) < total
    config = tmp_path / "elci.yaml"
    worker = await _worker(database_url, slack_api.url, config)
    try:
        counts = await _until_done(engine, campaign, seconds=60)
    finally:
        await _stop(worker)
    assert (counts["sent"], counts["failed"]) == (total, 0)
    assert set(slack_received(slack_api.posted).values()) == {1}
    assert set(teams_received(connector.sent()).values()) == {1}, "a Teams duplicate"
    assert _received(slack_api, connector) == total


async def test_sigterm_releases_claimed_deliveries_to_the_next_worker(
    database_url, tmp_path, slack_api, connector
) -> None:
    engine = make_engine(database_url)
    _, campaign = _campaign(engine, 100, 100, connector.url)
    config = _config(tmp_path, rate=40, lease=600)
    try:
        first = await _worker(database_url, slack_api.url, config)
        while _received(slack_api, connector) < 40:
            assert first.returncode is None, "the worker died by itself"
            await asyncio.sleep(0.02)
        first.send_signal(signal.SIGTERM)
        await _released_then_finished(
            engine, database_url, tmp_path, slack_api, connector, campaign, 200, first
        )
    finally:
        engine.dispose()


async def test_sigterm_to_serve_finishes_the_request_in_flight_and_releases_deliveries(
    database_url, tmp_path, slack_api, connector
) -> None:
    slack_api.add_user("U0AYSE", "ayse@example.com")
    engine = make_engine(database_url)
    _, campaign = _campaign(engine, 100, 100, connector.url)
    config = _config(tmp_path, rate=40, lease=600)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    try:
        server = await _worker(database_url, slack_api.url, config, "serve", ELCI_PORT=str(port))
        body = urlencode(slash_command("help", "U0AYSE", "C0GENERAL", slack_api.response_url()))
        headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
        while _received(slack_api, connector) < 10:
            assert server.returncode is None, "elci serve died by itself"
            await asyncio.sleep(0.02)
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/slack/events"
            slack_api.slow["users.info"] = 1.0
            posting = asyncio.create_task(session.post(url, data=body, headers=headers))
            while not any(call.method == "users.info" for call in slack_api.calls):
                await asyncio.sleep(0.01)  # the command is in; its turn asks who Ayşe is
            server.send_signal(signal.SIGTERM)
            async with await posting as answer:  # SIGTERM came while the turn waited
                assert answer.status == 200
                acked = await answer.text()
        replies = acked + "".join(str(body) for _, body in slack_api.responses)
        assert "What I can do" in replies
        await _released_then_finished(
            engine, database_url, tmp_path, slack_api, connector, campaign, 200, server
        )
    finally:
        engine.dispose()
