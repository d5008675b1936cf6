"""A redelivered event is seen once, however many processes race for it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from storage.dedup import (
    SeenDelivery,
    Sighting,
    claim,
    finish,
    first_sighting,
    forget_older_than,
    release,
)
from storage.engine import make_engine, session_scope


def test_first_sighting_once(engine: Engine) -> None:
    assert first_sighting(engine, "slack", "Ev1")
    assert not first_sighting(engine, "slack", "Ev1")
    assert first_sighting(engine, "teams", "Ev1")
    assert first_sighting(engine, "slack", "Ev2")


def test_long_ids_are_cut_to_fit(engine: Engine) -> None:
    long_id = "x" * 400
    assert first_sighting(engine, "teams", long_id)
    assert not first_sighting(engine, "teams", long_id)


def test_racing_engines_let_exactly_one_through(engine: Engine, database_url: str) -> None:
    """Two engines stand for two processes; every thread asks for the same delivery."""
    other = make_engine(database_url)
    engines = [engine, other] * 4
    start = threading.Barrier(len(engines))
    results: list[bool] = []

    def claim(target: Engine) -> None:
        start.wait()
        results.append(first_sighting(target, "slack", "Ev-race"))

    threads = [threading.Thread(target=claim, args=(target,)) for target in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.dispose()
    assert sorted(results) == [False] * (len(engines) - 1) + [True]


def test_forget_older_than(engine: Engine) -> None:
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        session.add_all([
            SeenDelivery(source="slack", delivery_id="old-1", seen_at=now - timedelta(days=3)),
            SeenDelivery(source="teams", delivery_id="old-2", seen_at=now - timedelta(days=2)),
            SeenDelivery(source="slack", delivery_id="recent", seen_at=now - timedelta(hours=1)),
        ])
    assert forget_older_than(engine, timedelta(days=1)) == 2
    assert forget_older_than(engine, timedelta(days=1)) == 0
    assert first_sighting(engine, "slack", "old-1")
    assert not first_sighting(engine, "slack", "recent")


def test_a_claim_is_seen_as_busy_until_finished_then_done(engine: Engine) -> None:
    assert claim(engine, "slack", "Ev-claim") is Sighting.NEW
    assert claim(engine, "slack", "Ev-claim") is Sighting.BUSY
    finish(engine, "slack", "Ev-claim")
    assert claim(engine, "slack", "Ev-claim") is Sighting.DONE
    release(engine, "slack", "Ev-claim")  # a finished delivery is never forgotten early
    assert claim(engine, "slack", "Ev-claim") is Sighting.DONE


def test_a_released_or_stale_claim_is_processed_again(engine: Engine) -> None:
    assert claim(engine, "teams", "A1") is Sighting.NEW
    release(engine, "teams", "A1")  # processing failed: the retry must run
    assert claim(engine, "teams", "A1") is Sighting.NEW
    # The holder died without releasing: after stale_after the next sighting takes over.
    assert claim(engine, "teams", "A1", stale_after=timedelta(seconds=30)) is Sighting.BUSY
    assert claim(engine, "teams", "A1", stale_after=timedelta(0)) is Sighting.TAKEN_OVER
    assert claim(engine, "teams", "A1", stale_after=timedelta(seconds=30)) is Sighting.BUSY
