"""Employees' requests to departments, the agents' replies, and the routing feedback.

A request is stored before it is routed, so nothing typed is lost whatever happens next.
``department`` is where it is now; ``first_department`` where the router (or the
requester) first sent it, so reassignments and "wrong department" answers can be counted
against the department that received it by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, func, update
from sqlmodel import Field, Session, SQLModel, col, select

from storage.people import utcnow

# Statuses: waiting for the requester to pick a department; in a queue; taken by an agent;
# done; not a request (small talk, gibberish) or withdrawn.
CHOOSING, OPEN, CLAIMED, RESOLVED, DROPPED = "choosing", "open", "claimed", "resolved", "dropped"
ACTIVE = (OPEN, CLAIMED)


class SupportRequest(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    requester_id: int = Field(foreign_key="person.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=CHOOSING, max_length=16, index=True)
    department: str | None = Field(default=None, max_length=64, index=True)
    first_department: str | None = Field(default=None, max_length=64)
    how: str = Field(default="", max_length=16)  # auto, named, chosen, reassigned
    confidence: float = 0.0
    suggestions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    terms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    assignee_id: int | None = Field(default=None, foreign_key="person.id")
    reassignments: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    routed_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None
    right_department: bool | None = None
    feedback_at: datetime | None = None


class RequestReply(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="supportrequest.id", index=True)
    author_id: int = Field(foreign_key="person.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


def add_request(session: Session, requester_id: int, text: str) -> SupportRequest:
    request = SupportRequest(requester_id=requester_id, text=text)
    session.add(request)
    session.flush()
    return request


def route_to(session: Session, request: SupportRequest, department: str, how: str) -> None:
    """Put the request in ``department``'s queue (again, when reassigned)."""
    now = utcnow()
    if request.first_department is None:
        request.first_department = department
    elif request.department and request.department != department:
        request.reassignments += 1
    request.department = department
    request.how = how
    request.status = OPEN
    request.assignee_id = None
    request.routed_at = now
    request.reminded_at = request.escalated_at = None
    session.add(request)
    session.flush()


def claim(session: Session, request_id: int, agent_id: int) -> bool:
    """Take an open request; False when someone else took it first (one wins a race)."""
    now = utcnow()
    taken = session.execute(
        update(SupportRequest)
        .where(col(SupportRequest.id) == request_id, col(SupportRequest.status) == OPEN)
        .values(
            status=CLAIMED,
            assignee_id=agent_id,
            first_response_at=func.coalesce(SupportRequest.first_response_at, now),
        )
    )
    session.expire_all()
    return bool(taken.rowcount)  # type: ignore[attr-defined]


def add_reply(session: Session, request: SupportRequest, author_id: int, text: str) -> None:
    assert request.id is not None
    session.add(RequestReply(request_id=request.id, author_id=author_id, text=text))
    if request.first_response_at is None:
        request.first_response_at = utcnow()
    session.add(request)
    session.flush()


def resolve(session: Session, request: SupportRequest, agent_id: int) -> None:
    now = utcnow()
    request.status = RESOLVED
    request.resolved_at = now
    request.assignee_id = request.assignee_id or agent_id
    request.first_response_at = request.first_response_at or now
    session.add(request)
    session.flush()


def record_feedback(session: Session, request: SupportRequest, right: bool) -> None:
    request.right_department = right
    request.feedback_at = utcnow()
    session.add(request)
    session.flush()


def mine(session: Session, requester_id: int, limit: int = 10) -> list[SupportRequest]:
    query = (
        select(SupportRequest)
        .where(
            SupportRequest.requester_id == requester_id,
            col(SupportRequest.status).in_((CHOOSING, *ACTIVE)),
        )
        .order_by(col(SupportRequest.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def queue(session: Session, departments: Iterable[str], limit: int = 10) -> list[SupportRequest]:
    query = (
        select(SupportRequest)
        .where(
            col(SupportRequest.department).in_(list(departments)),
            col(SupportRequest.status).in_(ACTIVE),
        )
        .order_by(col(SupportRequest.routed_at))
        .limit(limit)
    )
    return list(session.exec(query))


def awaiting_first_response(session: Session) -> list[SupportRequest]:
    """Requests in a queue that nobody has answered yet, for the SLA job."""
    query = select(SupportRequest).where(
        SupportRequest.status == OPEN,
        col(SupportRequest.first_response_at).is_(None),
        col(SupportRequest.escalated_at).is_(None),
    )
    return list(session.exec(query))


@dataclass(frozen=True)
class DepartmentStats:
    department: str
    received: int  # requests that reached it first
    resolved: int
    right: int  # requesters who said it was the right department
    wrong: int
    reassigned: int  # sent on to another department by its agents

    @property
    def misroute_rate(self) -> float | None:
        judged = self.right + self.wrong + self.reassigned
        return (self.wrong + self.reassigned) / judged if judged else None


def stats(session: Session) -> list[DepartmentStats]:
    """Per department that first received requests; misroutes are counted against it."""
    rows: dict[str, dict[str, Any]] = {}
    query = select(
        SupportRequest.first_department,
        SupportRequest.status,
        SupportRequest.right_department,
        SupportRequest.reassignments,
    ).where(col(SupportRequest.first_department).is_not(None))
    for department, status, right, reassignments in session.exec(query):
        if department is None:
            continue
        row = rows.setdefault(
            department, {"received": 0, "resolved": 0, "right": 0, "wrong": 0, "reassigned": 0}
        )
        row["received"] += 1
        row["resolved"] += status == RESOLVED
        row["reassigned"] += reassignments > 0
        if reassignments == 0 and right is not None:
            row["right" if right else "wrong"] += 1
    return [DepartmentStats(key, **values) for key, values in sorted(rows.items())]
