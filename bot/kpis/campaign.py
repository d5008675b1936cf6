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

from sqlalchemy import Connection, case, func, select
from sqlalchemy.engine import Engine

from bot.kpis.earned_media import EarnedMediaSettings
from bot.kpis.engagement import (
    CLICK,
    INTENT,
    Engagement,
    Group,
    Reach,
    by_network,
    engagement,
    engagement_by,
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
        reach = campaign_reach(campaign_id, list(found.content_ids or []), period)
        people = reach.per_person()
        totals = engagement(connection, people)
        shares = by_network(connection, reach, ShareIntent)
        clicks = by_network(connection, reach, Click)
        waves = {group.key: group for group in engagement_by(connection, people, "wave_name")}
        leadership = {g.key: g for g in engagement_by(connection, people, "leadership")}
        return CampaignKpis(
            campaign_id=campaign_id,
            name=found.name,
            status=found.status,
            started_at=found.started_at,
            period=period,
            totals=totals,
            shares_by_network=shares,
            human_clicks_by_network=clicks,
            unique_clickers=unique_clickers(connection, reach),
            earned_media=earned_media.value(shares, clicks),
            currency=earned_media.currency,
            targets=progress(found.kpis or {}, totals),
            pilot=waves.get("pilot"),
            rest=waves.get("rest") or Group("rest", None if found.pilot else totals),
            leaders=leadership.get("leaders") or Group("leaders", None),
            departments=tuple(engagement_by(connection, people, "department")),
            locations=tuple(engagement_by(connection, people, "location")),
            items=_items(connection, reach),
            timeline=_timeline(connection, reach),
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


def _items(connection: Connection, reach: Reach) -> tuple[ItemFigures, ...]:
    """Per item of the campaign: its shares and human clicks, most shared first."""
    if not reach.item_ids:
        return ()
    counted = []
    for model, events in ((ShareIntent, INTENT), (Click, CLICK)):
        joined, condition = reach.events(model)
        counted.append(
            select(events.c.item_id, func.count().label("n"))
            .select_from(joined)
            .where(condition)
            .group_by(events.c.item_id)
            .subquery()
        )
    shares, clicks = counted
    query = (
        select(
            ITEM.c.id,
            ITEM.c.title,
            func.coalesce(shares.c.n, 0).label("shares"),
            func.coalesce(clicks.c.n, 0).label("clicks"),
        )
        .outerjoin(shares, shares.c.item_id == ITEM.c.id)
        .outerjoin(clicks, clicks.c.item_id == ITEM.c.id)
        .where(ITEM.c.id.in_(reach.item_ids))
        .order_by(func.coalesce(shares.c.n, 0).desc(), ITEM.c.id)
    )
    return tuple(
        ItemFigures(row.id, row.title, int(row.shares), int(row.clicks))
        for row in connection.execute(query)
    )


def _timeline(connection: Connection, reach: Reach) -> tuple[DayFigures, ...]:
    """Shares and human clicks per UTC day, in order."""
    days: dict[date, list[int]] = {}
    for index, (model, events) in enumerate(((ShareIntent, INTENT), (Click, CLICK))):
        joined, condition = reach.events(model)
        day = day_of(events.c.created_at)
        query = select(day, func.count()).select_from(joined).where(condition).group_by(day)
        for value, n in connection.execute(query):
            days.setdefault(as_date(value), [0, 0])[index] = int(n)
    return tuple(DayFigures(day, *days[day]) for day in sorted(days))
