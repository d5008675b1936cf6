"""A redelivered event is seen once, however many processes race for it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from storage.dedup import SeenDelivery, first_sighting, forget_older_than
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
