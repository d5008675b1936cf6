"""Campaign KPIs on the hand-worked data set (tests/kpis/dataset.py), on both stores."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.config import load_config
from bot.kpis.campaign import CampaignKpis, campaign_kpis
from bot.kpis.content import content_kpis
from bot.kpis.earned_media import earned_media_settings
from bot.kpis.engagement import Engagement
from bot.kpis.people import person_figures
from bot.kpis.period import ALL_TIME, Period
from storage.click_tallies import ClickTally
from storage.engine import session_scope
from tests.kpis.dataset import T1, Seeded, seed

EARNED = earned_media_settings(load_config())


@pytest.fixture
def seeded(engine: Engine) -> Seeded:
    return seed(engine)


def kpis(engine: Engine, seeded: Seeded, period: Period = ALL_TIME) -> CampaignKpis:
    found = campaign_kpis(engine, seeded.campaign_id, EARNED, period)
    assert found is not None
    return found


def test_totals_count_recipients_and_only_the_campaigns_own_human_events(
    engine: Engine, seeded: Seeded
) -> None:
    found = kpis(engine, seeded)
    # 15 sent (p16 failed); 6 sharers, 8 shares; median of 1,1,2,3,4,5 h; mean 16/6 h.
    assert found.totals == Engagement(
        recipients=15, sharers=6, shares=8, human_clicks=5, participation_rate=0.4,
        first_share_median_hours=2.5, first_share_mean_hours=2.67,
    )  # fmt: skip
    assert found.shares_by_network == {"facebook": 1, "linkedin": 5, "x": 2}
    assert found.human_clicks_by_network == {"linkedin": 3, "x": 2}
    assert found.unique_clickers == 4  # h1 twice


def test_earned_media_uses_the_shipped_rates(engine: Engine, seeded: Seeded) -> None:
    # linkedin 5 × 300 × 33/1000 + 3 × 5.50 = 66.00; x 2 × 150 × 6.5/1000 + 2 × 0.90 = 3.75;
    # facebook 1 × 200 × 7.2/1000 = 1.44
    found = kpis(engine, seeded)
    assert (found.earned_media, found.currency) == (71.19, "USD")


def test_progress_against_the_targets(engine: Engine, seeded: Seeded) -> None:
    targets = {t.name: (t.actual, t.progress, t.met) for t in kpis(engine, seeded).targets}
    assert targets == {
        "human_clicks": (5.0, 1.0, True),
        "participation_rate": (0.4, 0.8, False),
        "shares": (8.0, 0.8, False),
        "time_to_first_share_hours": (2.5, 0.8, False),  # lower is better: 2 / 2.5
    }


def test_pilot_wave_against_the_rest(engine: Engine, seeded: Seeded) -> None:
    found = kpis(engine, seeded)
    assert found.pilot is not None and found.pilot.engagement == Engagement(
        recipients=5, sharers=3, shares=4, human_clicks=3, participation_rate=0.6,
        first_share_median_hours=2.0, first_share_mean_hours=2.67,
    )  # fmt: skip
    assert found.rest.engagement == Engagement(
        recipients=10, sharers=3, shares=4, human_clicks=2, participation_rate=0.3,
        first_share_median_hours=3.0, first_share_mean_hours=2.67,
    )  # fmt: skip


def test_groups_under_five_people_are_suppressed(engine: Engine, seeded: Seeded) -> None:
    found = kpis(engine, seeded)
    departments = {g.key: g.engagement for g in found.departments}
    assert departments["legal"] is None  # 3 people: hidden, not a number
    sales, it = departments["sales"], departments["it"]
    assert sales is not None and (sales.recipients, sales.sharers, sales.shares) == (6, 4, 5)
    assert it is not None
    assert (it.recipients, it.sharers, it.shares, it.human_clicks) == (6, 1, 2, 2)
    assert "hr" not in departments  # p16 was never reached
    locations = {g.key: g.engagement for g in found.locations}
    assert locations["İzmir"] is None
    assert [g.suppressed for g in found.locations if g.key == "İzmir"] == [True]
    istanbul, ankara = locations["İstanbul"], locations["Ankara"]
    assert istanbul is not None and (istanbul.recipients, istanbul.sharers) == (9, 5)
    assert ankara is not None and (ankara.recipients, ankara.sharers, ankara.shares) == (5, 1, 2)


def test_leaders_participation(engine: Engine, seeded: Seeded) -> None:
    leaders = kpis(engine, seeded).leaders.engagement
    assert leaders is not None
    assert (leaders.recipients, leaders.sharers, leaders.shares) == (5, 4, 6)
    assert leaders.participation_rate == 0.8


def test_items_and_timeline(engine: Engine, seeded: Seeded) -> None:
    found = kpis(engine, seeded)
    assert [(i.title, i.shares, i.human_clicks) for i in found.items] == [
        ("Item A", 5, 3),
        ("Item B", 3, 2),
    ]
    assert [(d.day, d.shares, d.human_clicks) for d in found.timeline] == [
        (date(2026, 11, 2), 4, 3),
        (date(2026, 11, 3), 4, 2),
    ]


def test_a_period_counts_only_its_events(engine: Engine, seeded: Seeded) -> None:
    found = kpis(engine, seeded, Period(since=T1))
    assert (found.totals.recipients, found.totals.sharers, found.totals.shares) == (15, 3, 4)
    assert found.totals.human_clicks == 2
    before = kpis(engine, seeded, Period(until=T1))
    # Only the pilot had been reached before T1.
    assert (before.totals.recipients, before.totals.shares, before.rest.suppressed) == (5, 4, True)


def test_unknown_campaign_is_none(engine: Engine) -> None:
    assert campaign_kpis(engine, 999, EARNED) is None


def test_aged_out_clicks_still_count_from_their_tallies(engine: Engine, seeded: Seeded) -> None:
    with session_scope(engine) as session:
        for human, clicks in ((True, 4), (False, 9)):
            session.add(ClickTally(
                day=date(2026, 11, 3), code="p7Bx", human=human, item_id=seeded.items["B"],
                person_id=seeded.people["p7"], network="x", campaign_id=seeded.campaign_id,
                clicks=clicks,
            ))  # fmt: skip
    found = kpis(engine, seeded)
    assert found.totals.human_clicks == 9  # 5 on record + 4 tallied
    assert found.human_clicks_by_network == {"linkedin": 3, "x": 6}
    assert found.unique_clickers == 4  # a tally knows no visitor
    assert [(d.day, d.human_clicks) for d in found.timeline] == [
        (date(2026, 11, 2), 3),
        (date(2026, 11, 3), 6),
    ]
    assert kpis(engine, seeded, Period(since=T1 + timedelta(days=1))).totals.human_clicks == 0
    assert kpis(engine, seeded, Period(since=T1)).totals.human_clicks == 6  # the whole day
    p7 = person_figures(engine, seeded.people["p7"])
    assert p7 is not None and p7.human_clicks == 6
    assert {c.title: c.human_clicks for c in content_kpis(engine)}["Item B"] == 6
