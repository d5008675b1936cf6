"""The delivery ledger and its workers, through the Slack and Teams stand-ins, on both
stores: everyone gets exactly one message through 429s and 500s; permanent failures are
dead letters that replay; cancel stops sends; pilot waves and working hours hold rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.slack.sender import SlackSender
from bot.config import load_config
from bot.delivery import ledger
from bot.delivery.hours import next_slot
from bot.delivery.settings import CampaignSettings, WorkingHours, campaign_settings
from bot.delivery.worker import DeliveryWorker
from bot.i18n import Catalogs
from bot.outbound import Outbound
from tests.support.campaigns import add_audience, add_content, slack_received, teams_received
from tests.support.slack import Fault, slack_settings
from tests.support.teams import Fault as TeamsFault

FAST = CampaignSettings(
    hours=WorkingHours(enabled=False), rates=(), backoff_seconds=0.01, batch=200, concurrency=64
)


async def _worker(engine, slack_api, teams_for, settings=FAST) -> DeliveryWorker:
    teams = await teams_for()
    outbound = Outbound(engine)
    outbound.add(SlackSender(slack_settings(engine, slack_api)))
    outbound.add(teams.sender)
    return DeliveryWorker(engine, outbound, Catalogs(), settings)


async def _drain(worker: DeliveryWorker, campaign_id: int, seconds: float = 60) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if not await worker.run_once():
            counts = ledger.counts(worker.engine, campaign_id)
            if counts["pending"] == 0:
                return counts
            await asyncio.sleep(0.05)
    raise AssertionError(f"not drained: {ledger.counts(worker.engine, campaign_id)}")


def _create(engine, item: int, **kw: Any) -> int:
    new = ledger.NewCampaign(name="Plant opening", content_ids=[item], **kw)
    created = ledger.create(engine, load_config(), new)
    assert created.id is not None
    return created.id


async def test_two_thousand_recipients_each_get_exactly_one_message(
    engine, slack_api, connector, teams_for
) -> None:
    audience = add_audience(engine, 1000, 1000, connector.url)
    item = add_content(engine)
    worker = await _worker(engine, slack_api, teams_for)
    campaign = _create(engine, item, message="Big day!")
    sizes = ledger.start(engine, campaign, ["slack", "teams"], FAST)
    assert sizes == {"slack": 1000, "teams": 1000}
    assert ledger.start(engine, campaign, ["slack", "teams"], FAST) is None  # once only
    slack_api.fail("chat.postMessage", Fault(429, "ratelimited", {"Retry-After": "0"}), 15)
    slack_api.fail("chat.postMessage", Fault(500, "internal_error", {}), 15)
    connector.fail("/activities", TeamsFault(429, "Throttled", {"Retry-After": "0"}), 15)
    connector.fail("/activities", TeamsFault(500), 15)

    counts = await _drain(worker, campaign)

    assert (counts["sent"], counts["failed"], counts["pending"]) == (2000, 0, 0)
    slack = slack_received(slack_api.posted)
    assert set(slack) == set(audience.slack_channels.values())
    assert set(slack.values()) == {1}
    teams = teams_received(connector.sent())
    assert set(teams) == set(audience.teams_conversations.values())
    assert set(teams.values()) == {1}
    delivery_ids = {m["metadata"]["event_payload"]["delivery"]
                    for sent in slack_api.posted.values() for m in sent}  # fmt: skip
    assert len(delivery_ids) == 1000
    assert ledger.get(engine, campaign).status == "done"


async def test_permanent_failures_are_dead_letters_that_replay(
    engine, slack_api, connector, teams_for
) -> None:
    add_audience(engine, 3, 2, connector.url)
    worker = await _worker(engine, slack_api, teams_for)
    campaign = _create(engine, add_content(engine))
    ledger.start(engine, campaign, ["slack", "teams"], FAST)
    slack_api.fail("chat.postMessage", Fault(200, "account_inactive", {}), 1)
    connector.fail("/activities", TeamsFault(403, "ConversationBlockedByUser"), 1)
    counts = await _drain(worker, campaign)
    assert (counts["sent"], counts["failed"]) == (3, 2)
    assert counts["platforms"]["slack"]["failed"] == 1
    assert ledger.replay(engine, campaign) == 2
    counts = await _drain(worker, campaign)
    assert (counts["sent"], counts["failed"]) == (5, 0)


async def test_transient_failures_give_up_after_five_attempts(
    engine, slack_api, connector, teams_for
) -> None:
    add_audience(engine, 1, 0)
    worker = await _worker(engine, slack_api, teams_for)
    campaign = _create(engine, add_content(engine))
    ledger.start(engine, campaign, ["slack"], FAST)
    slack_api.fail("chat.postMessage", Fault(200, "fatal_error", {}), 10)
    counts = await _drain(worker, campaign)
    assert (counts["sent"], counts["failed"]) == (0, 1)
    assert len(slack_api.called("chat.postMessage")) == 5


async def test_in_doubt_slack_rows_are_checked_before_a_resend(
    engine, slack_api, connector, teams_for
) -> None:
    audience = add_audience(engine, 4, 2, connector.url)
    worker = await _worker(engine, slack_api, teams_for)
    campaign = _create(engine, add_content(engine))
    ledger.start(engine, campaign, ["slack", "teams"], FAST)
    # A worker claims everything, sends two Slack messages and dies.
    claimed = ledger.claim(engine, 100, timedelta(seconds=-1))
    sender = worker.outbound.senders["slack"]
    jobs = await asyncio.to_thread(worker._prepare, claimed)
    for job in jobs[:2]:
        await sender.deliver(job.user_id, job.conversation_ref, job.reply,  # type: ignore[call-arg]
                             delivery_id=str(job.row.id))  # fmt: skip
    teams_job = next(job for job in jobs if job.row.platform == "teams")
    await worker.outbound.senders["teams"].deliver(
        teams_job.user_id, teams_job.conversation_ref, teams_job.reply
    )
    counts = await _drain(worker, campaign)
    assert counts["sent"] == 6
    assert set(slack_received(slack_api.posted).values()) == {1}
    assert len(slack_api.called("conversations.history")) == 4
    teams = teams_received(connector.sent())
    assert sum(teams.values()) == 3  # Teams cannot check: resent once, one duplicate
    assert set(teams) == set(audience.teams_conversations.values())


async def test_cancel_stops_further_sends(engine, slack_api, connector, teams_for) -> None:
    add_audience(engine, 50, 0)
    worker = await _worker(engine, slack_api, teams_for, CampaignSettings(
        hours=WorkingHours(enabled=False), rates=(), batch=10))  # fmt: skip
    campaign = _create(engine, add_content(engine))
    ledger.start(engine, campaign, ["slack"], FAST)
    await worker.run_once()
    assert ledger.cancel(engine, campaign)
    while await worker.run_once():
        pass
    counts = ledger.counts(engine, campaign)
    assert (counts["sent"], counts["cancelled"], counts["pending"]) == (10, 40, 0)
    assert len(slack_api.posted) == 10


async def test_the_pilot_wave_goes_first_and_the_rest_after_approval(
    engine, slack_api, connector, teams_for
) -> None:
    pilots = {0: ["employee", "group:pilot"], 1: ["employee", "leader"]}
    audience = add_audience(engine, 6, 0, roles=pilots)
    worker = await _worker(engine, slack_api, teams_for)
    campaign = _create(engine, add_content(engine), pilot=["role:group:pilot", "role:leader"])
    ledger.start(engine, campaign, ["slack"], FAST)
    counts = await _drain_until_stuck(worker)
    channels = list(audience.slack_channels.values())
    assert set(slack_api.posted) == {channels[0], channels[1]}
    assert ledger.counts(engine, campaign)["pending"] == 4
    assert ledger.release_rest(engine, campaign, FAST) == 4
    counts = await _drain(worker, campaign)
    assert counts["sent"] == 6 and set(slack_api.posted) == set(channels)


async def test_the_rest_follows_the_pilot_after_the_chosen_delay(engine) -> None:
    add_audience(engine, 3, 0, roles={0: ["employee", "group:pilot"]})
    campaign = _create(engine, add_content(engine), pilot=["role:group:pilot"],
                       rest_after_minutes=30)  # fmt: skip
    started = datetime(2026, 12, 1, 9, tzinfo=UTC)
    ledger.start(engine, campaign, ["slack"], FAST, now=started)
    assert ledger.waves_due(engine, started + timedelta(minutes=29)) == []
    assert ledger.waves_due(engine, started + timedelta(minutes=30)) == [campaign]


async def _drain_until_stuck(worker: DeliveryWorker) -> None:
    while await worker.run_once():
        pass


def test_working_hours_defer_recipients_outside_their_window(engine) -> None:
    hours = WorkingHours(start=datetime(1, 1, 1, 9).time(), end=datetime(1, 1, 1, 18).time())
    settings = CampaignSettings(hours=hours)
    # Tuesday 2026-12-01 07:00 UTC: 10:00 in Istanbul (inside), 02:00 in New York (outside).
    now = datetime(2026, 12, 1, 7, tzinfo=UTC)
    add_audience(engine, 2, 0, timezones={0: "Europe/Istanbul", 1: "America/New_York"})
    campaign = _create(engine, add_content(engine))
    ledger.start(engine, campaign, ["slack"], settings, now=now)
    due = ledger.claim(engine, 10, timedelta(days=1), now=now)
    assert len(due) == 1
    later = ledger.claim(engine, 10, timedelta(days=1), now=datetime(2026, 12, 1, 14, tzinfo=UTC))
    assert len(later) == 1  # 09:00 in New York


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        (
            datetime(2026, 12, 1, 7, tzinfo=UTC),
            "Europe/Istanbul",
            datetime(2026, 12, 1, 7, tzinfo=UTC),
        ),
        (
            datetime(2026, 12, 1, 16, tzinfo=UTC),
            "Europe/Istanbul",
            datetime(2026, 12, 2, 6, tzinfo=UTC),
        ),
        # Friday evening -> Monday morning when weekends are skipped.
        (
            datetime(2026, 12, 4, 16, tzinfo=UTC),
            "Europe/Istanbul",
            datetime(2026, 12, 7, 6, tzinfo=UTC),
        ),
        (datetime(2026, 12, 1, 7, tzinfo=UTC), None, datetime(2026, 12, 1, 7, tzinfo=UTC)),
    ],
)
def test_next_slot(now, zone, expected) -> None:
    assert next_slot(now, zone, WorkingHours()) == expected


def test_the_shipped_config_has_a_campaigns_section() -> None:
    settings = campaign_settings(load_config())
    assert settings.attempts == 5 and settings.rate("slack") > 0


async def test_metrics_show_deliveries_queue_depth_and_429s(
    engine, slack_api, connector, teams_for, make_services
) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.web import make_app

    add_audience(engine, 3, 0)
    worker = await _worker(engine, slack_api, teams_for)
    campaign = _create(engine, add_content(engine))
    ledger.start(engine, campaign, ["slack"], FAST)
    client = TestClient(TestServer(make_app(make_services())))
    await client.start_server()
    try:
        before = await (await client.get("/metrics")).text()
        assert 'elci_delivery_queue_depth{platform="slack"} 3.0' in before
        slack_api.fail("chat.postMessage", Fault(200, "ratelimited", {"Retry-After": "0"}), 1)
        await _drain(worker, campaign)
        response = await client.get("/metrics")
        assert response.headers["Content-Type"].startswith("text/plain")
        after = await response.text()
    finally:
        await client.close()
    assert 'elci_deliveries_total{platform="slack",status="sent"}' in after
    assert 'elci_rate_limited_total{platform="slack"}' in after
    assert "elci_delivery_queue_depth{" not in after.split("# TYPE elci_delivery_queue_depth")[1]


async def test_scheduled_campaigns_start_once_when_due(engine, slack_api, connector, teams_for):
    from bot.delivery.worker import run_campaigns

    add_audience(engine, 2, 0)
    at = datetime.now(UTC) + timedelta(seconds=-1)
    campaign = _create(engine, add_content(engine), start_at=at)
    later = _create(engine, add_content(engine), start_at=at + timedelta(days=1))
    assert ledger.get(engine, campaign).status == "scheduled"
    worker = await _worker(engine, slack_api, teams_for)
    loops = [asyncio.create_task(run_campaigns(worker, every=0.05)) for _ in range(2)]
    await asyncio.sleep(0.3)
    for loop in loops:
        loop.cancel()
    await asyncio.gather(*loops, return_exceptions=True)
    assert ledger.get(engine, campaign).status == "sending"
    assert ledger.counts(engine, campaign)["total"] == 2
    assert ledger.get(engine, later).status == "scheduled"
