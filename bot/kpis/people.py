"""Per-person figures: one's own (``stats``) and everyone's (the people report and the
leaderboard page), in one grouped query.

Ranks follow the leaderboards (``storage.standing``): by points in the period, ties
sharing a rank, among the people who have not left the leaderboards. Someone who left, or
was erased (a tombstone row keeps anonymous totals right), is never listed or ranked for
others; people who left still get their own figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, case, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.sql.selectable import Subquery

from bot.kpis.directory import directory_reach
from bot.kpis.period import ALL_TIME, Period
from bot.kpis.reach import PERSON
from bot.kpis.sql import has_role, table
from storage.campaigns import Delivery
from storage.points import PointEntry
from storage.tracking import Click, ShareIntent

POINTS, DELIVERY = table(PointEntry), table(Delivery)


@dataclass(frozen=True)
class PersonFigures:
    person_id: int
    name: str
    email: str
    department: str | None
    location: str | None
    leader: bool
    points: int
    shares: int
    shares_by_network: dict[str, int]
    human_clicks: int
    campaigns_received: int  # deliveries sent to them
    rank: int | None  # None: no points in the period, or left the leaderboards


def people_figures(
    engine: Engine, period: Period = ALL_TIME, limit: int | None = None
) -> tuple[PersonFigures, ...]:
    """Everyone listed on the leaderboards, best first (points, then shares, then name)."""
    figures = _figures(period)
    query = (
        select(figures)
        .where(figures.c.hidden.is_(False))
        .order_by(figures.c.points.desc(), figures.c.shares.desc(), figures.c.name, figures.c.id)
        .limit(limit)
    )
    with engine.connect() as connection:
        return _read(connection, query, period)


def person_figures(
    engine: Engine, person_id: int, period: Period = ALL_TIME
) -> PersonFigures | None:
    """One person's own figures (for ``stats``), hidden from the leaderboards or not."""
    figures = _figures(period)
    with engine.connect() as connection:
        found = _read(connection, select(figures).where(figures.c.id == person_id), period)
    return found[0] if found else None


def _figures(period: Period) -> Subquery:
    """A subquery: a row per person with their totals and their leaderboard rank."""
    everyone = directory_reach(period)
    shares = everyone.counted(ShareIntent, ["person_id"]).subquery()
    clicks = everyone.counted(Click, ["person_id"]).subquery()
    points = (
        select(POINTS.c.person_id, func.sum(POINTS.c.points).label("n"))
        .where(period.contains(POINTS.c.created_at))
        .group_by(POINTS.c.person_id)
        .subquery()
    )
    received = (
        select(DELIVERY.c.person_id, func.count().label("n"))
        .where(DELIVERY.c.status == "sent", period.contains(DELIVERY.c.sent_at))
        .group_by(DELIVERY.c.person_id)
        .subquery()
    )
    total_points = func.coalesce(points.c.n, 0)
    # Left the leaderboards, or erased (a tombstone): counted in totals, never listed.
    hidden = or_(PERSON.c.leaderboard_hidden, PERSON.c.erased_at.is_not(None))
    rank = func.rank().over(partition_by=hidden, order_by=total_points.desc())
    return (
        select(
            PERSON.c.id,
            PERSON.c.name,
            PERSON.c.email,
            PERSON.c.department,
            PERSON.c.location,
            has_role(PERSON.c.roles, "leader").label("leader"),
            hidden.label("hidden"),
            total_points.label("points"),
            func.coalesce(shares.c.n, 0).label("shares"),
            func.coalesce(clicks.c.n, 0).label("human_clicks"),
            func.coalesce(received.c.n, 0).label("received"),
            case((hidden.is_(False), rank)).label("rank"),
        )
        .outerjoin(points, points.c.person_id == PERSON.c.id)
        .outerjoin(shares, shares.c.person_id == PERSON.c.id)
        .outerjoin(clicks, clicks.c.person_id == PERSON.c.id)
        .outerjoin(received, received.c.person_id == PERSON.c.id)
        .where(period.before_end(PERSON.c.created_at))
        .subquery("figures")
    )


def _read(connection: Connection, query: Select[Any], period: Period) -> tuple[PersonFigures, ...]:
    rows = connection.execute(query).all()
    ids = [row.id for row in rows]
    networks = directory_reach(period).shares_per_network(connection, "person_id", ids)
    return tuple(
        PersonFigures(
            person_id=row.id,
            name=row.name,
            email=row.email,
            department=row.department,
            location=row.location,
            leader=bool(row.leader),
            points=int(row.points),
            shares=int(row.shares),
            shares_by_network=networks.get(row.id, {}),
            human_clicks=int(row.human_clicks),
            campaigns_received=int(row.received),
            rank=int(row.rank) if row.rank is not None and row.points > 0 else None,
        )
        for row in rows
    )
