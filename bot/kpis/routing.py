"""Routing KPIs per department: requests received, time to first response, first-response
SLA breaches, and misroutes.

A request counts for the department whose queue it is in now, if it was created in the
period. Its first response is late when it came after the department's ``sla_hours``
(from the routing config) counted from when it reached the queue, or when none has come
and that much time has already passed. A misroute is counted against the department that
*first* received the request: its agents sent it on, or the requester said it was the
wrong one (the rule of ``storage.requests.stats``).

These figures describe service desks, not employees' advocacy, so they are not subject
to the small-group suppression.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.engine import Engine

from bot.kpis.period import ALL_TIME, Period
from bot.kpis.sql import HOUR, hours, median_by, seconds_between, table
from bot.routing.vocabulary import DEFAULT_SLA_HOURS, Vocabulary
from storage.people import utcnow
from storage.requests import ACTIVE, RESOLVED, SupportRequest

REQUEST = table(SupportRequest)


@dataclass(frozen=True)
class DeskFigures:
    department: str
    requests: int  # in its queue now, created in the period
    answered: int  # with a first response
    first_response_median_hours: float | None
    first_response_mean_hours: float | None
    sla_hours: float
    sla_breaches: int
    first_received: int  # requests it received first (the misroute base)
    misroutes: int  # of those: reassigned, or the requester said "wrong department"

    @property
    def misroute_rate(self) -> float | None:
        return self.misroutes / self.first_received if self.first_received else None


def routing_kpis(
    engine: Engine,
    vocabulary: Vocabulary,
    period: Period = ALL_TIME,
    now: datetime | None = None,
) -> tuple[DeskFigures, ...]:
    """Every configured department (and any other that received requests), by key."""
    now = now or utcnow()
    slas = {desk.key: desk.sla_hours for desk in vocabulary.desks}
    sla_seconds = case(
        *[(REQUEST.c.department == key, hours * HOUR) for key, hours in slas.items()],
        else_=DEFAULT_SLA_HOURS * HOUR,
    )
    routed = REQUEST.c.routed_at.is_not(None)
    responded = seconds_between(REQUEST.c.first_response_at, REQUEST.c.routed_at)
    waited = seconds_between(
        func.coalesce(REQUEST.c.first_response_at, literal(now)), REQUEST.c.routed_at
    )
    in_queue = (
        select(
            REQUEST.c.department,
            responded.label("responded"),
            case((waited > sla_seconds, 1), else_=0).label("late"),
        )
        .where(
            REQUEST.c.department.is_not(None),
            REQUEST.c.status.in_((*ACTIVE, RESOLVED)),
            routed,
            period.contains(REQUEST.c.created_at),
        )
        .subquery()
    )
    totals = select(
        in_queue.c.department,
        func.count().label("requests"),
        func.count(in_queue.c.responded).label("answered"),
        func.avg(in_queue.c.responded).label("mean"),
        func.sum(in_queue.c.late).label("late"),
    ).group_by(in_queue.c.department)
    misrouted = (REQUEST.c.reassignments > 0) | (REQUEST.c.right_department.is_(False))
    first = (
        select(
            REQUEST.c.first_department,
            func.count().label("received"),
            func.sum(case((misrouted, 1), else_=0)).label("misroutes"),
        )
        .where(REQUEST.c.first_department.is_not(None), period.contains(REQUEST.c.created_at))
        .group_by(REQUEST.c.first_department)
    )
    with engine.connect() as connection:
        queues = {row.department: row for row in connection.execute(totals)}
        medians: dict[str, Any] = {
            key: value
            for key, value in connection.execute(median_by(in_queue, "responded", "department"))
        }
        firsts = {row.first_department: row for row in connection.execute(first)}
    found = []
    for key in sorted({*slas, *queues, *firsts}):
        queue, received = queues.get(key), firsts.get(key)
        found.append(
            DeskFigures(
                department=key,
                requests=int(queue.requests) if queue else 0,
                answered=int(queue.answered) if queue else 0,
                first_response_median_hours=hours(medians.get(key)),
                first_response_mean_hours=hours(queue.mean) if queue else None,
                sla_hours=slas.get(key, DEFAULT_SLA_HOURS),
                sla_breaches=int(queue.late or 0) if queue else 0,
                first_received=int(received.received) if received else 0,
                misroutes=int(received.misroutes or 0) if received else 0,
            )
        )
    return tuple(found)
