"""Routing and review KPIs on the hand-worked data set (see tests/kpis/dataset.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.config import load_config
from bot.kpis.period import Period
from bot.kpis.reviews import ReviewDesk, review_kpis
from bot.kpis.routing import DeskFigures, routing_kpis
from bot.routing import vocabulary_of
from tests.kpis.dataset import NOW, T0, seed

VOCABULARY = vocabulary_of(load_config())


@pytest.fixture(autouse=True)
def seeded(engine: Engine) -> None:
    seed(engine)


def test_routing_per_department(engine: Engine) -> None:
    desks = {desk.department: desk for desk in routing_kpis(engine, VOCABULARY, now=NOW)}
    assert desks["it"] == DeskFigures(
        department="it", requests=3, answered=2, first_response_median_hours=4.0,
        first_response_mean_hours=4.0, sla_hours=4.0, sla_breaches=2, first_received=4,
        misroutes=1,
    )  # fmt: skip
    assert desks["it"].misroute_rate == 0.25
    assert desks["legal"] == DeskFigures("legal", 1, 1, 1.0, 1.0, 48.0, 0, 0, 0)
    assert desks["sales"] == DeskFigures("sales", 2, 2, 5.5, 5.5, 8.0, 1, 2, 1)
    assert desks["marketing"] == DeskFigures("marketing", 0, 0, None, None, 24.0, 0, 0, 0)
    assert desks["marketing"].misroute_rate is None


def test_routing_period_and_open_requests_becoming_late(engine: Engine) -> None:
    early = {d.department: d for d in routing_kpis(engine, VOCABULARY, now=T0 + timedelta(hours=3))}
    # Three hours in, r3 has waited 3 h of its 4: not yet a breach.
    assert early["it"].sla_breaches == 1
    none = routing_kpis(engine, VOCABULARY, Period(since=NOW), now=NOW)
    assert sum(desk.requests for desk in none) == 0


def test_reviews(engine: Engine) -> None:
    found = review_kpis(engine)
    assert (found.submitted, found.approved, found.rejected, found.in_review) == (6, 3, 1, 1)
    assert found.changes_requested == 1
    # Decisions after 2, 10, 4 and 6 hours (the closed one is no decision).
    assert (found.decided, found.review_median_hours, found.review_mean_hours) == (4, 5.0, 5.5)
    assert found.departments == (ReviewDesk("legal", 1, 10.0), ReviewDesk("marketing", 3, 4.0))
    recent = review_kpis(engine, Period(since=T0 - timedelta(days=1)))
    assert (recent.submitted, recent.approved) == (5, 2)
