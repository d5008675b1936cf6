"""Review KPIs: drafts submitted in the period and where they stand now, and how long
reviews take (from the review being opened to its decision), overall and per reviewing
department. Reviews closed because another reviewer decided first are not decisions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine

from bot.kpis.period import ALL_TIME, Period
from bot.kpis.sql import hours, median_by, seconds_between, table
from storage import drafts
from storage.drafts import Draft, Review

DRAFT, REVIEW = table(Draft), table(Review)
APPROVED = (drafts.APPROVED, drafts.SCHEDULED, drafts.PUBLISHED)
DECISIONS = (drafts.ACCEPTED, drafts.CHANGES, drafts.DECLINED)


@dataclass(frozen=True)
class ReviewDesk:
    department: str
    decided: int
    review_median_hours: float | None


@dataclass(frozen=True)
class ReviewKpis:
    submitted: int  # drafts created in the period
    approved: int  # of those: approved, scheduled or published by now
    rejected: int
    in_review: int
    changes_requested: int
    decided: int  # review decisions made in the period
    review_median_hours: float | None
    review_mean_hours: float | None
    departments: tuple[ReviewDesk, ...]


def review_kpis(engine: Engine, period: Period = ALL_TIME) -> ReviewKpis:
    def status_is(*statuses: str) -> Any:
        return func.sum(case((DRAFT.c.status.in_(statuses), 1), else_=0))

    submitted = select(
        func.count(),
        status_is(*APPROVED),
        status_is(drafts.REJECTED),
        status_is(drafts.IN_REVIEW),
        status_is(drafts.CHANGES_REQUESTED),
    ).where(period.contains(DRAFT.c.created_at))
    decided = (
        select(
            REVIEW.c.department,
            seconds_between(REVIEW.c.decided_at, REVIEW.c.created_at).label("took"),
        )
        .where(
            REVIEW.c.state.in_(DECISIONS),
            REVIEW.c.decided_at.is_not(None),
            period.contains(REVIEW.c.decided_at),
        )
        .subquery()
    )
    overall = select(func.count(), func.avg(decided.c.took))
    per_desk = (
        select(decided.c.department, func.count())
        .group_by(decided.c.department)
        .order_by(decided.c.department)
    )
    with engine.connect() as connection:
        total, approved, rejected, in_review, changes = connection.execute(submitted).one()
        n_decided, mean = connection.execute(overall).one()
        median = connection.execute(median_by(decided, "took")).scalar()
        desk_medians: dict[str, Any] = {
            key: value
            for key, value in connection.execute(median_by(decided, "took", "department"))
        }
        desks = tuple(
            ReviewDesk(department, int(n), hours(desk_medians.get(department)))
            for department, n in connection.execute(per_desk)
        )
    return ReviewKpis(
        submitted=int(total),
        approved=int(approved or 0),
        rejected=int(rejected or 0),
        in_review=int(in_review or 0),
        changes_requested=int(changes or 0),
        decided=int(n_decided),
        review_median_hours=hours(median),
        review_mean_hours=hours(mean),
        departments=desks,
    )
