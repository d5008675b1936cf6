"""Programme-wide KPIs on the hand-worked data set: content, departments, people, overall."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bot.config import load_config
from bot.kpis.content import content_kpis
from bot.kpis.directory import advocacy_by
from bot.kpis.earned_media import earned_media_settings
from bot.kpis.overall import overall_kpis
from bot.kpis.people import people_figures, person_figures
from bot.kpis.period import Period
from storage.engine import session_scope
from storage.people import Person
from tests.kpis.dataset import T0, T1, Seeded, seed

EARNED = earned_media_settings(load_config())


@pytest.fixture
def seeded(engine: Engine) -> Seeded:
    return seed(engine)


def test_content_reach_shares_and_clicks_per_item(engine: Engine, seeded: Seeded) -> None:
    found = content_kpis(engine)
    a, b, c = found
    # A: shown to p1 p3 p4 p6 p9 p13; shared by all but p4 (p1 twice); human clicks on p1's
    # link (h1 h2 h1) and p9's (h8), which count here: no campaign, the library's reach.
    assert (a.title, a.reach, a.sharers, a.shares) == ("Item A", 6, 5, 6)
    assert a.shares_by_network == {"linkedin": 4, "x": 1, "facebook": 1}
    assert (a.human_clicks, a.unique_clickers) == (4, 3)
    assert (b.reach, b.sharers, b.shares, b.human_clicks, b.unique_clickers) == (2, 2, 3, 2, 2)
    assert (c.reach, c.shares, c.human_clicks) == (1, 1, 0)
    assert [item.title for item in content_kpis(engine, limit=1)] == ["Item A"]


def test_departments_over_the_directory_hide_small_ones(engine: Engine, seeded: Seeded) -> None:
    groups = {g.key: g.engagement for g in advocacy_by(engine, "department")}
    assert groups["legal"] is None and groups["hr"] is None  # 3 people and 1 person
    sales, it = groups["sales"], groups["it"]
    assert sales is not None and (sales.recipients, sales.sharers, sales.shares) == (6, 4, 5)
    assert sales.human_clicks == 3 and sales.participation_rate == pytest.approx(4 / 6)
    assert it is not None and (it.recipients, it.sharers, it.shares, it.human_clicks) == (
        6, 3, 4, 3,
    )  # fmt: skip
    assert it.first_share_median_hours is None  # no delivery to count from


def test_overall(engine: Engine, seeded: Seeded) -> None:
    found = overall_kpis(engine, EARNED)
    totals = found.totals
    assert (totals.recipients, totals.sharers, totals.shares, totals.human_clicks) == (
        16, 8, 10, 6,
    )  # fmt: skip
    assert found.shares_by_network == {"facebook": 1, "linkedin": 7, "x": 2}
    assert found.human_clicks_by_network == {"linkedin": 4, "x": 2}
    assert found.unique_clickers == 5
    # linkedin 7 × 300 × 0.033 + 4 × 5.5 = 91.30; x 3.75; facebook 1.44
    assert found.earned_media == 96.49
    assert found.campaigns_started == 1
    assert found.leaders.engagement is not None and found.leaders.engagement.sharers == 4
    assert [item.title for item in found.top_content] == ["Item A", "Item B", "Item C"]
    later = overall_kpis(engine, EARNED, Period(since=T1))
    assert (later.totals.shares, later.campaigns_started) == (5, 0)


def test_people_ranked_by_points_without_those_who_left(engine: Engine, seeded: Seeded) -> None:
    found = people_figures(engine)
    assert len(found) == 15  # p3 left the leaderboards
    first = [(p.email, p.points, p.rank, p.shares) for p in found[:3]]
    assert first == [
        ("p1@example.com", 12, 1, 2),
        ("p7@example.com", 12, 1, 2),
        ("p2@example.com", 5, 3, 1),
    ]
    p1 = found[0]
    assert (p1.shares_by_network, p1.human_clicks, p1.campaigns_received, p1.leader) == (
        {"linkedin": 1, "x": 1}, 3, 1, True,
    )  # fmt: skip
    assert all(p.rank is None for p in found[3:])  # no points, no rank
    assert len(people_figures(engine, limit=2)) == 2


def test_an_erased_person_is_never_listed_but_still_counted(engine: Engine, seeded: Seeded) -> None:
    with session_scope(engine) as session:
        tombstone = session.get(Person, seeded.people["p2"])
        assert tombstone is not None
        tombstone.name, tombstone.erased_at = "", T1
    listed = [p.email for p in people_figures(engine)]
    assert "p2@example.com" not in listed and len(listed) == 14
    assert [p.rank for p in people_figures(engine)[:2]] == [1, 1]
    sales = {g.key: g.engagement for g in advocacy_by(engine, "department")}["sales"]
    assert sales is not None and (sales.recipients, sales.shares) == (6, 5)  # still in totals


def test_my_own_figures_even_when_hidden(engine: Engine, seeded: Seeded) -> None:
    mine = person_figures(engine, seeded.people["p3"])
    assert mine is not None
    assert (mine.points, mine.shares, mine.rank) == (20, 1, None)
    assert person_figures(engine, 9999) is None
    before = person_figures(engine, seeded.people["p1"], Period(until=T0))
    assert before is not None and (before.points, before.shares, before.rank) == (0, 0, None)
