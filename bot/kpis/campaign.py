"""A campaign's KPIs: reach, shares by network, human clicks, participation, time to first
share, earned media, progress against its targets, the pilot wave against the rest, and
the breakdowns by department, location and leadership.

What counts for a campaign: its recipients are the deliveries actually sent (before the
period ends); its events are the intents and clicks, within the period, that carry its id
(see ``bot.kpis.reach``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, case, select
from sqlalchemy.engine import Engine

from bot.kpis.earned_media import EarnedMediaSettings
from bot.kpis.engagement import Engagement, Group, breakdown
from bot.kpis.period import ALL_TIME, Period
from bot.kpis.reach import Kind, Reach
from bot.kpis.sql import as_date, table
from bot.kpis.targets import TargetProgress, progress
from storage.campaigns import Campaign, Delivery
from storage.content import ContentItem
from storage.tracking import Click, ShareIntent

DELIVERY, CAMPAIGN, ITEM = table(Delivery), table(Campaign), table(ContentItem)
WAVES = {0: "pilot", 1: "rest"}
DIMENSIONS = ("wave_name", "leadership", "department", "location")


@dataclass(frozen=True)
class ItemFigures:
    item_id: int
    title: str
    shares: int
    human_clicks: int


@dataclass(frozen=True)
class DayFigures:
    day: date
    shares: int
    human_clicks: int


@dataclass(frozen=True)
class CampaignKpis:
    campaign_id: int
    name: str
    status: str
    started_at: datetime | None
    period: Period
    totals: Engagement
    shares_by_network: dict[str, int]
    human_clicks_by_network: dict[str, int]
    unique_clickers: int
    earned_media: float
    currency: str
    targets: tuple[TargetProgress, ...]
    pilot: Group | None  # None when the campaign had no pilot wave
    rest: Group
    leaders: Group
    departments: tuple[Group, ...]
    locations: tuple[Group, ...]
    items: tuple[ItemFigures, ...]  # the campaign's content, most shared first
    timeline: tuple[DayFigures, ...]  # per UTC day with any share or human click


def campaign_kpis(
    engine: Engine,
    campaign_id: int,
    earned_media: EarnedMediaSettings,
    period: Period = ALL_TIME,
) -> CampaignKpis | None:
    """The campaign's KPIs for ``period``; None when there is no such campaign."""
    with engine.connect() as connection:
        found = connection.execute(
            select(CAMPAIGN).where(CAMPAIGN.c.id == campaign_id)
        ).one_or_none()
        if found is None:
            return None
        reach = campaign_reach(campaign_id, period)
        figures = breakdown(connection, reach.per_person(), DIMENSIONS)
        counts = _counts(connection, reach)
        clickers = reach.unique_clickers(connection)
        named = select(ITEM.c.id, ITEM.c.title).where(ITEM.c.id.in_(found.content_ids or []))
        titles = {item_id: title for item_id, title in connection.execute(named)}
    totals, groups = figures.totals, figures.groups
    waves = {group.key: group for group in groups["wave_name"]}
    leadership = {group.key: group for group in groups["leadership"]}
    shares, clicks = _sum_by(counts, "network")
    return CampaignKpis(
        campaign_id=campaign_id,
        name=found.name,
        status=found.status,
        started_at=found.started_at,
        period=period,
        totals=totals,
        shares_by_network=shares,
        human_clicks_by_network=clicks,
        unique_clickers=clickers,
        earned_media=earned_media.value(shares, clicks),
        currency=earned_media.currency,
        targets=progress(found.kpis or {}, totals),
        pilot=waves.get("pilot"),
        rest=waves.get("rest") or Group("rest", None if found.pilot else totals),
        leaders=leadership.get("leaders") or Group("leaders", None),
        departments=groups["department"],
        locations=groups["location"],
        items=_items(counts, titles),
        timeline=_timeline(counts),
    )


def campaign_reach(campaign_id: int, period: Period) -> Reach:
    """The campaign's recipients (sent deliveries) with their wave, and its events."""
    sent = (
        select(
            DELIVERY.c.person_id,
            DELIVERY.c.sent_at.label("reached_at"),
            case((DELIVERY.c.wave == 0, WAVES[0]), else_=WAVES[1]).label("wave_name"),
        )
        .where(
            DELIVERY.c.campaign_id == campaign_id,
            DELIVERY.c.status == "sent",
            DELIVERY.c.sent_at.is_not(None),
            period.before_end(DELIVERY.c.sent_at),
        )
        .subquery("reached")
    )
    return Reach(sent, period, campaign_id)


@dataclass(frozen=True)
class _Counts:
    network: str
    item_id: int
    day: date
    shares: int = 0
    human_clicks: int = 0


def _counts(connection: Connection, reach: Reach) -> list[_Counts]:
    """Shares and human clicks per (network, item, UTC day): two grouped queries, a few
    dozen rows, from which every per-network, per-item and per-day figure is summed."""
    found: dict[tuple[str, int, date], list[int]] = {}
    kinds: tuple[Kind, ...] = (ShareIntent, Click)
    for index, kind in enumerate(kinds):
        query = reach.counted(kind, ["network", "item_id", "day"])
        for network, item_id, day, n in connection.execute(query):
            found.setdefault((network, item_id, as_date(day)), [0, 0])[index] = int(n)
    return [_Counts(*key, *counts) for key, counts in found.items()]


def _sum_by(counts: list[_Counts], attribute: str) -> tuple[dict[Any, int], dict[Any, int]]:
    """Shares and human clicks summed per value of ``attribute``, in key order; a network
    with shares but no human click has no entry among the clicks (and the reverse)."""
    shares: dict[Any, int] = {}
    clicks: dict[Any, int] = {}
    for row in sorted(counts, key=lambda c: getattr(c, attribute)):
        key = getattr(row, attribute)
        if row.shares:
            shares[key] = shares.get(key, 0) + row.shares
        if row.human_clicks:
            clicks[key] = clicks.get(key, 0) + row.human_clicks
    return shares, clicks


def _items(counts: list[_Counts], titles: dict[int, str]) -> tuple[ItemFigures, ...]:
    """Every item of the campaign with its shares and human clicks, most shared first."""
    shares, clicks = _sum_by(counts, "item_id")
    figures = [
        ItemFigures(item_id, title, shares.get(item_id, 0), clicks.get(item_id, 0))
        for item_id, title in titles.items()
    ]
    return tuple(sorted(figures, key=lambda item: (-item.shares, item.item_id)))


def _timeline(counts: list[_Counts]) -> tuple[DayFigures, ...]:
    shares, clicks = _sum_by(counts, "day")
    days = sorted({*shares, *clicks})
    return tuple(DayFigures(day, shares.get(day, 0), clicks.get(day, 0)) for day in days)
