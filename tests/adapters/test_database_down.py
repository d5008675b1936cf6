"""The database goes away: Slack and Teams get a 503 (so the platforms retry), nothing is
half-written (a failed event's claim is not left as "seen"), and Elçi answers again, by
itself, as soon as the database is back.

The fault is real: Elçi reaches PostgreSQL through a TCP proxy that drops every connection
and refuses new ones (``tests.support.db_cut``), as a server that went away would. The
shared PostgreSQL cluster itself is never stopped, so these run on PostgreSQL only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col

from bot.tracking.urls import new_code
from storage.content import ContentItem
from storage.dedup import SeenDelivery
from storage.engine import make_engine
from storage.people import Person, utcnow
from storage.tracking import Click, ShareIntent, links_for
from tests.support.db_cut import DatabaseCut
from tests.support.slack import direct_message

HELP = "What I can do"


@pytest.fixture
def cut(database_url: str) -> Iterator[DatabaseCut]:
    if not database_url.startswith("postgresql"):
        pytest.skip("a network cut needs a database server (the shared one is never stopped)")
    url = make_url(database_url)
    proxy = DatabaseCut(url.host or "127.0.0.1", url.port or 5432).start()
    yield proxy
    proxy.close()


@pytest.fixture
def engine(database_url: str, cut: DatabaseCut) -> Iterator[Engine]:
    """Elçi's engine, through the proxy (the suite's own fixtures build on it)."""
    url = make_url(database_url).set(host="127.0.0.1", port=cut.port)
    through = make_engine(url.render_as_string(hide_password=False))
    yield through
    through.dispose()


@pytest.fixture
def direct(database_url: str) -> Iterator[Engine]:
    """The test's own view of the database, around the proxy."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _seen(engine: Engine, source: str) -> list[tuple[str, bool]]:
    with Session(engine) as session:
        rows = session.exec(
            select(SeenDelivery.delivery_id, SeenDelivery.done).where(  # type: ignore[call-overload]
                col(SeenDelivery.source) == source
            )
        ).all()
    return [(row[0], row[1]) for row in rows]


def _dms(slack_api, channel: str = "D0AYSE") -> int:
    return len(slack_api.posted.get(channel, []))


async def _until(check, seconds: float = 10.0) -> None:
    for _ in range(int(seconds * 20)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within the time allowed")


async def test_slack_answers_503_while_the_database_is_cut_then_recovers(
    slack, slack_api, cut, direct
) -> None:
    slack_api.add_user("U0AYSE", "ayse@example.com")
    slack_api.add_user("U0BORA", "bora@example.com")
    assert (await slack.command("help")).status == 200  # the pool holds live connections
    cut.cut()

    command = await slack.command("help", user="U0BORA")  # not in the identity cache
    event = await slack.event(direct_message("help"), event_id="EvDOWN1")
    health = await slack.client.get("/healthz")

    assert (command.status, event.status, health.status) == (503, 503, 503)
    assert _seen(direct, "slack") == []  # nothing written: the retry will be processed
    await slack.settle()
    assert _dms(slack_api) == 0

    cut.restore()  # no restart: the pool pings and reconnects
    answer = await slack.command("help", user="U0BORA")
    assert answer.status == 200 and HELP in await answer.text()
    retry = await slack.event(direct_message("help"), event_id="EvDOWN1",
                              headers={"X-Slack-Retry-Num": "1"})  # fmt: skip
    assert retry.status == 200
    await slack.settle()
    await _until(lambda: _dms(slack_api) == 1)  # the retried event was processed
    assert _seen(direct, "slack") == [("EvDOWN1", True)]
    again = await slack.event(direct_message("help"), event_id="EvDOWN1")
    await slack.settle()
    assert again.status == 200 and _dms(slack_api) == 1  # and only once
    assert (await slack.client.get("/healthz")).status == 200


async def test_a_slack_event_whose_turn_loses_the_database_is_not_left_as_seen(
    slack, slack_api, cut, direct, caplog
) -> None:
    """The claim is made, then the database goes while the turn runs: 503, and the claim
    (which could not even be dropped) expires, so Slack's later retry is processed."""
    slack_api.add_user("U0AYSE", "ayse@example.com")
    slack_api.slow["users.info"] = 0.5  # the turn waits on Slack after the claim

    pending = asyncio.create_task(slack.event(direct_message("help"), event_id="EvMID"))
    await _until(lambda: any(c.method == "users.info" for c in slack_api.calls))
    cut.cut()
    failed = await pending
    assert failed.status == 503
    await slack.settle()
    # Answered 503 before any ack: Slack retries, so it is not reported lost.
    assert not [r for r in caplog.records if "turn lost" in r.getMessage()]
    assert _dms(slack_api) == 0
    assert _seen(direct, "slack") == [("EvMID", False)]  # claimed, never marked done

    cut.restore()
    busy = await slack.event(direct_message("help"), event_id="EvMID")
    assert busy.status == 503  # a fresh claim may be another replica still at work
    with Session(direct) as session:  # Slack's next retry comes a minute later
        session.connection().execute(
            update(SeenDelivery).values(seen_at=utcnow() - timedelta(minutes=1))
        )
        session.commit()
    retry = await slack.event(direct_message("help"), event_id="EvMID")
    await slack.settle()
    assert retry.status == 200
    await _until(lambda: _dms(slack_api) == 1)
    assert _seen(direct, "slack") == [("EvMID", True)]


async def test_a_slack_turn_that_loses_the_database_after_its_ack_is_tried_again(
    slack, slack_api, cut, direct, monkeypatch
) -> None:
    """Slack got its 200 and will not send the event again: the turn itself comes back to
    it once the database does, answers once, and marks the event done."""
    monkeypatch.setattr("adapters.slack.app.AFTER_ACK_RETRIES_S", (0.3, 0.3, 0.3, 0.3, 5))
    slack_api.add_user("U0AYSE", "ayse@example.com")
    slack_api.slow["users.info"] = 2.0  # past the ack budget (1.5 s), before any answer

    acked = await slack.event(direct_message("help"), event_id="EvLATE")
    assert acked.status == 200 and _dms(slack_api) == 0
    cut.cut()  # while the turn still waits on users.info
    await asyncio.sleep(1.2)
    assert _dms(slack_api) == 0
    cut.restore()
    await _until(lambda: _dms(slack_api) == 1)
    await slack.settle()
    assert _dms(slack_api) == 1 and HELP in slack_api.posted["D0AYSE"][0]["text"]
    assert _seen(direct, "slack") == [("EvLATE", True)]


async def test_tracked_links_answer_503_while_the_database_is_cut_then_record_again(
    slack, cut, direct
) -> None:
    with Session(direct) as session:
        person = Person(email="can@example.com", name="Can", roles=["employee"])
        item = ContentItem(title="News", url="https://example.com/n", slug="news")
        session.add_all([person, item])
        session.flush()
        assert item.id is not None and person.id is not None
        code = links_for(session, item.id, person.id, ["linkedin"], new_code)["linkedin"].code
        session.commit()
    browser = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}
    assert (
        await slack.client.get(f"/r/{code}", allow_redirects=False, headers=browser)
    ).status == 302
    cut.cut()
    click = await slack.client.get(f"/r/{code}", allow_redirects=False, headers=browser)
    share = await slack.client.get(f"/s/{code}", allow_redirects=False, headers=browser)
    assert (click.status, share.status) == (503, 503)
    assert click.headers["Retry-After"] and "Location" not in click.headers
    cut.restore()
    again = await slack.client.get(f"/r/{code}", allow_redirects=False, headers=browser)
    assert again.status == 302
    with Session(direct) as session:
        assert session.exec(select(func.count()).select_from(Click)).scalar_one() == 2
        assert session.exec(select(func.count()).select_from(ShareIntent)).scalar_one() == 0


async def test_teams_answers_503_while_the_database_is_cut_then_recovers(
    teams, connector, cut, direct
) -> None:
    ayse = teams.user("ayse@example.com")
    await teams.say(ayse, "help")  # the pool holds live connections
    replies, seen = len(connector.sent()), _seen(direct, "teams")
    cut.cut()

    bora = teams.user("bora@example.com")  # not in the identity cache
    activity = teams.activities.message(bora, "help", "en-US")
    down = await teams.post(activity)

    assert down.status == 503
    assert _seen(direct, "teams") == seen
    assert len(connector.sent()) == replies  # no half-done turn said anything

    cut.restore()
    retried = await teams.post(activity)  # the Bot Framework's retry, same activity id
    assert retried.status == 200
    assert len(connector.sent()) > replies  # processed, not skipped as seen
    after = len(connector.sent())
    assert (await teams.post(activity)).status == 200  # a redelivery after that is dropped
    assert len(connector.sent()) == after
    with Session(direct) as session:
        done = session.exec(
            select(func.count()).select_from(SeenDelivery).where(col(SeenDelivery.done))
        ).one()  # type: ignore[call-overload]
    assert done[0] == 2  # the two activities, each processed once
