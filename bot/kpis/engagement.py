"""What a set of people did with the content they were reached with: shares, human
clicks, participation and the time to a first share, in total or per group.

The unit is one row per reached person (``Reach.per_person``): who, when reached, in which
group, how many shares and human clicks, and how long to the first share. Every figure,
overall or per department, location, wave or leadership, comes from one ``GROUP BY`` over
those rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Connection,
    case,
    func,
    literal_column,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.selectable import Subquery

from bot.kpis.privacy import is_hidden
from bot.kpis.sql import hours, median, ranked


@dataclass(frozen=True)
class Engagement:
    """What a set of recipients did; rates are fractions (0..1), times in hours."""

    recipients: int
    sharers: int  # recipients who shared at least once
    shares: int  # share intents
    human_clicks: int
    participation_rate: float | None  # sharers / recipients; None with no recipients
    first_share_median_hours: float | None  # from being reached to the first share
    first_share_mean_hours: float | None


@dataclass(frozen=True)
class Group:
    """One group's engagement; ``engagement`` is None when the group has fewer than
    ``privacy.MIN_GROUP`` people: shown as suppressed, never as a number."""

    key: str
    engagement: Engagement | None

    @property
    def suppressed(self) -> bool:
        return self.engagement is None


@dataclass(frozen=True)
class Breakdown:
    """The totals (never suppressed: they are what the report is about) and, per
    dimension (a grouping column of ``per_person``), its groups in key order."""

    totals: Engagement
    groups: dict[str, tuple[Group, ...]]


def breakdown(connection: Connection, people: Subquery, dimensions: Sequence[str]) -> Breakdown:
    """The totals and every group of every dimension in ONE query, so the per-person rows
    (the costly part: events joined to the reached people) are computed once.

    Each person's row is repeated once per dimension (and once for the totals) with that
    dimension's value as the key; one ``GROUP BY dim, key`` then gives every figure, and
    the median comes from the same pass (``sql.ranked`` and ``sql.median``).
    """
    names = ("", *dimensions)
    if not all(name.isidentifier() for name in dimensions):  # they go into the SQL text
        raise ValueError(f"dimensions are column names: {dimensions!r}")
    dims: CompoundSelect[Any] = union_all(
        *(select(literal_column(f"'{name}'").label("dim")) for name in names)
    )
    dim = dims.subquery("dims").c.dim
    key = case(*((dim == name, people.c[name]) for name in dimensions), else_=literal_column("''"))
    rows = (
        select(
            dim.label("dim"),
            key.label("key"),
            people.c.shares,
            people.c.human_clicks,
            people.c.first_share_seconds.label("seconds"),
        )
        .select_from(people.join(dim.table, true()))
        .subquery("rows")
    )
    numbered = ranked(rows, "seconds", ["dim", "key"])
    query = (
        select(
            numbered.c.dim,
            numbered.c.key,
            func.count().label("recipients"),
            func.sum(case((numbered.c.shares > 0, 1), else_=0)).label("sharers"),
            func.sum(numbered.c.shares).label("shares"),
            func.sum(numbered.c.human_clicks).label("human_clicks"),
            func.avg(numbered.c.seconds).label("mean"),
            median(numbered, "seconds").label("median"),
        )
        .group_by(numbered.c.dim, numbered.c.key)
        .order_by(numbered.c.dim, numbered.c.key)
    )
    totals = _empty()
    groups: dict[str, list[Group]] = {name: [] for name in dimensions}
    for row in connection.execute(query):
        recipients = int(row.recipients)
        figures = Engagement(
            recipients=recipients,
            sharers=int(row.sharers or 0),
            shares=int(row.shares or 0),
            human_clicks=int(row.human_clicks or 0),
            participation_rate=(int(row.sharers or 0) / recipients) if recipients else None,
            first_share_median_hours=hours(row.median),
            first_share_mean_hours=hours(row.mean),
        )
        if not row.dim:
            totals = figures
            continue
        hidden = is_hidden(recipients)
        groups[row.dim].append(Group(row.key or "", None if hidden else figures))
    return Breakdown(totals, {name: tuple(found) for name, found in groups.items()})


def _empty() -> Engagement:
    return Engagement(0, 0, 0, 0, None, None, None)
