"""The programme as a whole for a period: everyone on the directory, every item."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.kpis.campaign import CAMPAIGN
from bot.kpis.content import ContentFigures, content_kpis
from bot.kpis.directory import directory_reach
from bot.kpis.earned_media import EarnedMediaSettings
from bot.kpis.engagement import Engagement, Group, breakdown
from bot.kpis.period import ALL_TIME, Period
from storage.tracking import Click, ShareIntent

TOP = 5


@dataclass(frozen=True)
class OverallKpis:
    period: Period
    totals: Engagement  # recipients = people on the directory; no time to first share
    shares_by_network: dict[str, int]
    human_clicks_by_network: dict[str, int]
    unique_clickers: int
    earned_media: float
    currency: str
    campaigns_started: int
    leaders: Group
    top_content: tuple[ContentFigures, ...]


def overall_kpis(
    engine: Engine, earned_media: EarnedMediaSettings, period: Period = ALL_TIME
) -> OverallKpis:
    reach = directory_reach(period)
    started = select(func.count()).where(
        CAMPAIGN.c.started_at.is_not(None), period.contains(CAMPAIGN.c.started_at)
    )
    top = content_kpis(engine, period, limit=TOP)
    with engine.connect() as connection:
        people = reach.per_person()
        shares = reach.count_by(connection, ShareIntent, "network")
        clicks = reach.count_by(connection, Click, "network")
        figures = breakdown(connection, people, ["leadership"])
        leadership = {group.key: group for group in figures.groups["leadership"]}
        return OverallKpis(
            period=period,
            totals=figures.totals,
            shares_by_network=shares,
            human_clicks_by_network=clicks,
            unique_clickers=reach.unique_clickers(connection),
            earned_media=earned_media.value(shares, clicks),
            currency=earned_media.currency,
            campaigns_started=int(connection.execute(started).scalar_one()),
            leaders=leadership.get("leaders") or Group("leaders", None),
            top_content=top,
        )
