"""Standing: points, ranks and share activity over a period, as grouped queries.

Ranks count only people who have not left the leaderboards, and only those with points in
the period; ties share a rank (1, 1, 3). Nothing here loads every row: each figure is one
aggregate query, so the cost follows the number of people with points, not of entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Subquery, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from storage.people import Person
from storage.points import PointEntry
from storage.tracking import Click, ShareIntent


@dataclass(frozen=True)
class Ranked:
    person_id: int
    name: str
    roles: tuple[str, ...]
    points: int
    rank: int


@dataclass(frozen=True)
class Position:
    """Where a score would stand: ``rank`` among ``ranked`` people with points."""

    rank: int
    ranked: int


def points_of(session: Session, person_id: int, since: datetime | None = None) -> int:
    query = sa_select(func.coalesce(func.sum(col(PointEntry.points)), 0)).where(
        col(PointEntry.person_id) == person_id
    )
    if since is not None:
        query = query.where(col(PointEntry.created_at) >= since)
    return int(session.execute(query).scalar_one())


def top(
    session: Session, since: datetime, department: str | None = None, ranks: int = 10
) -> list[Ranked]:
    """Everyone ranked ``ranks`` or better (so a tie at the last place keeps all of its
    people), best first, then by name."""
    totals = _totals(since, department)
    ranked = sa_select(
        totals.c.person_id,
        totals.c.points,
        func.rank().over(order_by=totals.c.points.desc()).label("rank"),
    ).subquery()
    query = (
        sa_select(
            ranked.c.person_id,
            col(Person.name),
            col(Person.roles),
            ranked.c.points,
            ranked.c.rank,
        )
        .join(Person, col(Person.id) == ranked.c.person_id)
        .where(ranked.c.rank <= ranks)
        .order_by(ranked.c.rank, col(Person.name), col(Person.id))
    )
    return [
        Ranked(row[0], row[1], tuple(row[2] or ()), int(row[3]), int(row[4]))
        for row in session.execute(query).all()
    ]


def position(
    session: Session, points: int, since: datetime, department: str | None = None
) -> Position:
    """The rank ``points`` holds among the listed people (one more than those above it)."""
    totals = _totals(since, department)
    query = sa_select(
        func.coalesce(func.sum(case((totals.c.points > points, 1), else_=0)), 0),
        func.count(),
    ).select_from(totals)
    above, ranked = session.execute(query).one()
    return Position(int(above) + 1, int(ranked))


def shares_by_network(session: Session, person_id: int, since: datetime) -> dict[str, int]:
    query = (
        sa_select(col(ShareIntent.network), func.count())
        .where(col(ShareIntent.person_id) == person_id, col(ShareIntent.created_at) >= since)
        .group_by(col(ShareIntent.network))
    )
    return {network: int(count) for network, count in session.execute(query).all()}


def human_clicks(session: Session, person_id: int, since: datetime) -> int:
    """Clicks by people (not previews or scanners) on links this person shared."""
    query = sa_select(func.count()).where(
        col(Click.person_id) == person_id,
        col(Click.human).is_(True),
        col(Click.created_at) >= since,
    )
    return int(session.execute(query).scalar_one())


def _totals(since: datetime, department: str | None) -> Subquery:
    """Points per listed person in the period: hidden people are left out."""
    conditions = [col(PointEntry.created_at) >= since, col(Person.leaderboard_hidden).is_(False)]
    if department is not None:
        conditions.append(col(Person.department) == department)
    return (
        sa_select(
            col(PointEntry.person_id).label("person_id"),
            func.sum(col(PointEntry.points)).label("points"),
        )
        .join(Person, col(Person.id) == col(PointEntry.person_id))
        .where(*conditions)
        .group_by(col(PointEntry.person_id))
        .subquery()
    )
