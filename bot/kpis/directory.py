"""Advocacy across the whole directory, not one campaign: everyone is reached by the
content library, so participation is the share of the people (on the directory at the
end of the period) who shared anything in it."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Float, cast, null, select
from sqlalchemy.engine import Engine

from bot.kpis.engagement import Group, breakdown
from bot.kpis.period import ALL_TIME, Period
from bot.kpis.reach import PERSON, Reach

GroupKey = Literal["department", "location", "leadership"]


def directory_reach(period: Period) -> Reach:
    everyone = (
        select(PERSON.c.id.label("person_id"), cast(null(), Float).label("reached_at"))
        .where(period.before_end(PERSON.c.created_at))
        .subquery("reached")
    )
    return Reach(everyone, period, timed=False, everyone=True)


def advocacy_by(engine: Engine, key: GroupKey, period: Period = ALL_TIME) -> tuple[Group, ...]:
    """Per department, location or leadership ("leaders"/"others"); groups under
    ``privacy.MIN_GROUP`` people suppressed."""
    with engine.connect() as connection:
        return breakdown(connection, directory_reach(period).per_person(), [key]).groups[key]
