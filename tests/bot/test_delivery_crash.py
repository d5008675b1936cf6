"""Crash safety with real processes: ``elci worker`` killed with SIGKILL at random moments
during one campaign and restarted each time loses nothing, sends no Slack duplicate (the
delivery id in the message metadata is found in the DM's history) and at most the
in-flight count of Teams duplicates (no check possible there: resent at most once). On
PostgreSQL, two workers share one campaign with no duplicate at all."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from importlib.resources import files
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlmodel import col

from bot.config import load_config
from bot.delivery import ledger
from bot.delivery.settings import CampaignSettings, WorkingHours
from storage.campaigns import Delivery
from storage.engine import make_engine
from storage.people import PlatformAccount
from tests.support.campaigns import add_audience, add_content, slack_received, teams_received
from tests.support.slack import BOT_TOKEN, SIGNING_SECRET

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


async def _worker(database_url: str, slack_url: str, config: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "ELCI_DATABASE_URL": database_url,
        "ELCI_CONFIG": str(config),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_url,
        "MICROSOFT_APP_ID": "",
        "ELCI_LOG_LEVEL": "WARNING",
    }
    elci = Path(sys.executable).with_name("elci")
    return await asyncio.create_subprocess_exec(
        str(elci), "worker", env=env, stdout=asyncio.subprocess.DEVNULL,
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
