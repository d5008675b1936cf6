"""Rate limits hold across workers, on both stores: two workers (each with its own engine,
as two processes would have) sharing one database never exceed the workspace rate
together, and a burst to one conversation is spaced out while the others go ahead.
Measured where it matters: the arrival times at the Slack and Teams stand-ins."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence

from adapters.slack.sender import SlackSender
from bot.config import load_config
from bot.delivery import ledger
from bot.delivery.settings import CampaignSettings, WorkingHours
from bot.delivery.worker import DeliveryWorker
from bot.i18n import Catalogs
from bot.outbound import Outbound
from storage.engine import make_engine
from tests.support.campaigns import add_audience, add_content, slack_received, teams_received
from tests.support.slack import slack_settings

RATE = 20.0


async def _workers(database_url, slack_api, teams_for, settings, count=2):
    """``count`` workers, each on an engine of its own: nothing shared but the database."""
    workers = []
    for _ in range(count):
        engine = make_engine(database_url)
        teams = await teams_for()
        outbound = Outbound(engine)
        outbound.add(SlackSender(slack_settings(engine, slack_api)))
        outbound.add(teams.sender)
        workers.append(DeliveryWorker(engine, outbound, Catalogs(), settings))
    return workers


async def _run_until_sent(workers, engine, campaigns: Sequence[int], total: int) -> list[int]:
    """Two lanes per worker, as ``run_forever`` runs them; returns the rows each worker
    handled."""
    handled = [0] * len(workers)
    done = asyncio.Event()

    async def lane(index: int) -> None:
        while not done.is_set():
            rows = await workers[index].run_once()
            handled[index] += rows
            if not rows:
                await asyncio.sleep(0.05)

    lanes = [asyncio.create_task(lane(i)) for i in range(len(workers)) for _ in range(2)]
    try:
        async with asyncio.timeout(60):
            while sum(ledger.counts(engine, c)["sent"] for c in campaigns) < total:
                await asyncio.sleep(0.1)
    finally:
        done.set()
        await asyncio.gather(*lanes)
        for worker in workers:
            worker.engine.dispose()
    return handled


def _start(engine, item: int, name: str) -> int:
    created = ledger.create(engine, load_config(), ledger.NewCampaign(name, [item]))
    assert created.id is not None
    ledger.start(engine, created.id, ["slack", "teams"], CampaignSettings(
        hours=WorkingHours(enabled=False)))  # fmt: skip
    return created.id


def _busiest_second(times: list[float]) -> int:
    """The most arrivals inside any one-second window."""
    times = sorted(times)
    return max((sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times)),
               default=0)  # fmt: skip


async def test_two_workers_together_keep_the_workspace_rate(
    engine, database_url, slack_api, teams_for
) -> None:
    add_audience(engine, 120, 0)
    campaign = _start(engine, add_content(engine), "Rates")
    settings = CampaignSettings(
        hours=WorkingHours(enabled=False), rates=(("slack", RATE),), batch=20, concurrency=20
    )
    workers = await _workers(database_url, slack_api, teams_for, settings)

    handled = await _run_until_sent(workers, engine, [campaign], 120)

    assert all(handled), f"both workers must share the campaign: {handled}"
    times = [call.at for call in slack_api.calls if call.method == "chat.postMessage"]
    assert len(times) == 120 and set(slack_received(slack_api.posted).values()) == {1}
    span = max(times) - min(times)
    # 120 sends at 20/s take at least 119 / 20 s; one process limiter each would halve it.
    assert span >= 119 / RATE * 0.95, f"{120 / span:.1f}/s exceeds {RATE}/s"
    assert span <= 119 / RATE * 1.6, "the budget was not used: the rate collapsed"
    # Sends start on their slots; arrivals bunch by the processes' and the stand-in's
    # jitter (a send more than 1 s late is requeued instead), never by a second's worth.
    assert _busiest_second(times) <= RATE * 1.25 + 1


async def test_a_burst_to_one_conversation_is_spaced_while_others_go_ahead(
    engine, database_url, slack_api, connector, teams_for
) -> None:
    """Three Slack and three Teams people are each sent four campaigns at once; fifteen
    others one. Slack allows 1 message per second per channel, Teams 7 per conversation."""
    busy = {n: ["employee", "group:busy"] for n in (0, 1, 2, 18, 19, 20)}
    audience = add_audience(engine, 18, 3, connector.url, roles=busy)
    item = add_content(engine)
    campaigns = [_start(engine, item, "Everyone")]
    for n in range(3):
        created = ledger.create(
            engine, load_config(), ledger.NewCampaign(f"Busy {n}", [item], ["role:group:busy"])
        )
        assert created.id is not None
        ledger.start(engine, created.id, ["slack", "teams"], CampaignSettings(
            hours=WorkingHours(enabled=False)))  # fmt: skip
        campaigns.append(created.id)
    settings = CampaignSettings(hours=WorkingHours(enabled=False), rates=(), batch=20)
    assert dict(settings.conversation_rates) == {"slack": 1.0, "teams": 7.0}  # the defaults
    workers = await _workers(database_url, slack_api, teams_for, settings)

    await _run_until_sent(workers, engine, campaigns, 21 + 3 * 6)

    slack_times: dict[str, list[float]] = defaultdict(list)
    for call in slack_api.calls:
        if call.method == "chat.postMessage":
            slack_times[call.args["channel"]].append(call.at)
    teams_times: dict[str, list[float]] = defaultdict(list)
    for call in connector.sent():
        if call.status == 200 and "/activities" in call.path:
            teams_times[call.path.split("/")[3]].append(call.at)
    busy_slack = {audience.slack_channels[p] for p in list(audience.slack_channels)[:3]}
    busy_teams = set(audience.teams_conversations.values())
    assert {c: len(t) for c, t in slack_times.items() if c in busy_slack} == dict.fromkeys(
        busy_slack, 4
    )
    assert set(teams_received(connector.sent()).values()) == {4}
    # Measured at arrival, so the stand-ins' own queueing on a busy 2-core machine (the
    # first wave arrives together) and a late send (no cut-off per conversation) blur the
    # spacing the slots give at the sender; four messages unthrottled take milliseconds.
    for channel in busy_slack:
        times = slack_times[channel]
        assert max(times) - min(times) >= 3 * 0.75, "a Slack channel got more than 1/s"
        assert _busiest_second(times) <= 3
    for conversation in busy_teams:
        times = teams_times[conversation]
        assert max(times) - min(times) >= 3 / 7 * 0.75, "a Teams conversation got more than 7/s"
    start = min(min(t) for t in slack_times.values())
    quiet = [t[0] for c, t in slack_times.items() if c not in busy_slack]
    assert len(quiet) == 15 and max(quiet) - start < 2.0, "the others waited behind a burst"
