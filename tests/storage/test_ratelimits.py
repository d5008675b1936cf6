"""Shared send slots on both stores: reservations from racing processes never overlap,
a busy conversation is not granted (and nothing is taken), idle budgets are forgotten."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from storage.engine import make_engine
from storage.ratelimits import Want, forget_idle, grant, reserve


def test_racing_reservations_get_disjoint_back_to_back_slots(
    engine: Engine, database_url: str
) -> None:
    other = make_engine(database_url)
    engines = [engine, other] * 4
    start = threading.Barrier(len(engines))
    firsts: list[float] = []

    def take(target: Engine) -> None:
        start.wait()
        for _ in range(5):
            with target.begin() as connection:
                firsts.append(reserve(connection, "slack:T1", 3, 0.5, now=1000.0))

    threads = [threading.Thread(target=take, args=(target,)) for target in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.dispose()
    # 40 reservations of 3 slots 0.5 s apart: one unbroken run from now, no slot twice.
    assert sorted(firsts) == [1000.0 + 1.5 * n for n in range(40)]


def test_a_reservation_starts_now_once_the_budget_has_been_idle(engine: Engine) -> None:
    with engine.begin() as connection:
        assert reserve(connection, "teams:tenant", 10, 0.1, now=50.0) == 50.0
        assert reserve(connection, "teams:tenant", 1, 0.1, now=50.0) == 51.0
        assert reserve(connection, "teams:tenant", 1, 0.1, now=90.0) == 90.0


def test_grant_takes_free_conversations_only(engine: Engine) -> None:
    with engine.begin() as connection:
        first = grant(connection, [Want("c:A", 10.0, 1.0), Want("c:B", 10.0, 1.0)])
        assert first == {"c:A": 11.0, "c:B": 11.0}  # both granted: free until 11
        again = grant(connection, [Want("c:A", 10.5, 1.0), Want("c:C", 10.5, 1.0)])
        assert again == {"c:A": 11.0, "c:C": 11.5}  # A busy until 11 (not taken), C granted
        assert grant(connection, [Want("c:A", 11.0, 1.0)]) == {"c:A": 12.0}
        assert grant(connection, []) == {}


def test_idle_budgets_are_forgotten(engine: Engine) -> None:
    with engine.begin() as connection:
        grant(connection, [Want("old", 10.0, 1.0), Want("recent", 100.0, 1.0)])
        assert forget_idle(connection, before=50.0) == 1
        # Forgotten means free: the old key is granted at once.
        assert grant(connection, [Want("old", 12.0, 1.0)]) == {"old": 13.0}
