"""A campaign's KPIs: reach, shares by network, human clicks, participation, time to first
share, earned media, progress against its targets, the pilot wave against the rest, and
the breakdowns by department, location and leadership.

What counts for a campaign: its recipients are the deliveries actually sent (before the
period ends); an event counts when one of them shared or got a click on one of the
campaign's items, within the period, and not before their delivery was sent. An item
shared earlier from the feed is not credited to a later campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, case, func, select
from sqlalchemy.engine import Engine

from bot.kpis.earned_media import EarnedMediaSettings
from bot.kpis.engagement import (
    CLICK,
    INTENT,
    Engagement,
    Group,
    Reach,
    breakdown,
    unique_clickers,
)
from bot.kpis.period import ALL_TIME, Period
from bot.kpis.sql import as_date, day_of, table
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
        item_ids = list(found.content_ids or [])
        reach = campaign_reach(campaign_id, item_ids, period)
        figures = breakdown(connection, reach.per_person(), DIMENSIONS)
        tallies = _tallies(connection, reach)
        clickers = unique_clickers(connection, reach)
        titles = dict(
            connection.execute(select(ITEM.c.id, ITEM.c.title).where(ITEM.c.id.in_(item_ids))).all()
        )
    totals, groups = figures.totals, figures.groups
    waves = {group.key: group for group in groups["wave_name"]}
    leadership = {group.key: group for group in groups["leadership"]}
    shares, clicks = _sum_by(tallies, "network")
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
        items=_items(tallies, titles),
        timeline=_timeline(tallies),
    )


def campaign_reach(campaign_id: int, item_ids: list[int], period: Period) -> Reach:
    """The campaign's recipients (sent deliveries) with their wave, and its items."""
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
    return Reach(sent, item_ids, period)


@dataclass(frozen=True)
class _Tally:
    network: str
    item_id: int
    day: date
    shares: int = 0
    human_clicks: int = 0


def _tallies(connection: Connection, reach: Reach) -> list[_Tally]:
    """Shares and human clicks per (network, item, UTC day): two grouped queries, a few
    dozen rows, from which every per-network, per-item and per-day figure is summed."""
    found: dict[tuple[str, int, date], list[int]] = {}
    for index, (model, events) in enumerate(((ShareIntent, INTENT), (Click, CLICK))):
        joined, condition = reach.events(model)
        day = day_of(events.c.created_at)
        keys = (events.c.network, events.c.item_id, day)
        query = select(*keys, func.count()).select_from(joined).where(condition).group_by(*keys)
        for network, item_id, value, n in connection.execute(query):
            found.setdefault((network, item_id, as_date(value)), [0, 0])[index] = int(n)
    return [_Tally(*key, *counts) for key, counts in found.items()]


def _sum_by(tallies: list[_Tally], attribute: str) -> tuple[dict[Any, int], dict[Any, int]]:
    """Shares and human clicks summed per value of ``attribute``, in key order; a network
    with shares but no human click has no entry among the clicks (and the reverse)."""
    shares: dict[Any, int] = {}
    clicks: dict[Any, int] = {}
    for tally in sorted(tallies, key=lambda t: getattr(t, attribute)):
        key = getattr(tally, attribute)
        if tally.shares:
            shares[key] = shares.get(key, 0) + tally.shares
        if tally.human_clicks:
            clicks[key] = clicks.get(key, 0) + tally.human_clicks
    return shares, clicks


def _items(tallies: list[_Tally], titles: dict[int, str]) -> tuple[ItemFigures, ...]:
    """Every item of the campaign with its shares and human clicks, most shared first."""
    shares, clicks = _sum_by(tallies, "item_id")
    figures = [
        ItemFigures(item_id, title, shares.get(item_id, 0), clicks.get(item_id, 0))
        for item_id, title in titles.items()
    ]
    return tuple(sorted(figures, key=lambda item: (-item.shares, item.item_id)))


def _timeline(tallies: list[_Tally]) -> tuple[DayFigures, ...]:
    shares, clicks = _sum_by(tallies, "day")
    days = sorted({*shares, *clicks})
    return tuple(DayFigures(day, shares.get(day, 0), clicks.get(day, 0)) for day in days)
