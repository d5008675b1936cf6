"""Per content item: reach (people shown its share card, who each got their own tracked
link), shares by network, sharers, human clicks and unique clickers; the top items."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.kpis.directory import directory_reach
from bot.kpis.period import ALL_TIME, Period
from bot.kpis.reach import CLICK, INTENT
from bot.kpis.sql import table
from storage.content import ContentItem
from storage.tracking import Click, ShareLink

ITEM, LINK = table(ContentItem), table(ShareLink)


@dataclass(frozen=True)
class ContentFigures:
    item_id: int
    title: str
    reach: int  # people shown the item (before the period ended)
    sharers: int
    shares: int
    shares_by_network: dict[str, int]
    human_clicks: int
    unique_clickers: int


def content_kpis(
    engine: Engine, period: Period = ALL_TIME, limit: int | None = None
) -> tuple[ContentFigures, ...]:
    """Items with any reach, most shared first (then most clicked); ``limit`` for a top N."""
    reach = (
        select(LINK.c.item_id, func.count(func.distinct(LINK.c.person_id)).label("n"))
        .where(period.before_end(LINK.c.created_at))
        .group_by(LINK.c.item_id)
        .subquery()
    )
    shares = (
        select(
            INTENT.c.item_id,
            func.count().label("n"),
            func.count(func.distinct(INTENT.c.person_id)).label("people"),
        )
        .where(period.contains(INTENT.c.created_at))
        .group_by(INTENT.c.item_id)
        .subquery()
    )
    clicks = directory_reach(period).counted(Click, ["item_id"]).subquery()
    clickers = (  # visitors are known for the clicks still on record only
        select(CLICK.c.item_id, func.count(func.distinct(CLICK.c.ip_hash)).label("n"))
        .where(period.contains(CLICK.c.created_at), CLICK.c.human.is_(True))
        .group_by(CLICK.c.item_id)
        .subquery()
    )
    n_shares, n_clicks = func.coalesce(shares.c.n, 0), func.coalesce(clicks.c.n, 0)
    query = (
        select(
            ITEM.c.id,
            ITEM.c.title,
            reach.c.n.label("reach"),
            func.coalesce(shares.c.people, 0).label("sharers"),
            n_shares.label("shares"),
            n_clicks.label("clicks"),
            func.coalesce(clickers.c.n, 0).label("clickers"),
        )
        .join(reach, reach.c.item_id == ITEM.c.id)
        .outerjoin(shares, shares.c.item_id == ITEM.c.id)
        .outerjoin(clicks, clicks.c.item_id == ITEM.c.id)
        .outerjoin(clickers, clickers.c.item_id == ITEM.c.id)
        .order_by(n_shares.desc(), n_clicks.desc(), ITEM.c.id)
        .limit(limit)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        ids = [row.id for row in rows]
        networks = directory_reach(period).shares_per_network(connection, "item_id", ids)
    return tuple(
        ContentFigures(
            item_id=row.id,
            title=row.title,
            reach=int(row.reach),
            sharers=int(row.sharers),
            shares=int(row.shares),
            shares_by_network=networks.get(row.id, {}),
            human_clicks=int(row.clicks),
            unique_clickers=int(row.clickers),
        )
        for row in rows
    )
