"""Send slots shared by every process: the rate-limit budgets of workspaces, tenants and
conversations, held in the database so that N workers together keep one rate.

A row per budget key holds ``next_at``, the earliest moment (epoch seconds) the next send
on that key may start, and ``span``, the spacing (1 / rate). Reserving is one atomic
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (PostgreSQL and SQLite ≥ 3.35 alike): the
row is locked for the statement, so two workers can never receive the same slot. This is
the generic cell rate algorithm in its scheduling form: slots are handed out back to back
from ``max(next_at, now)``, and a sender starts no earlier than its slot.

Why not a library: aiolimiter, limits and PyrateLimiter count per process or need Redis,
Memcached or MongoDB; PyrateLimiter's PostgreSQL bucket logs one row per send and cannot
reserve a batch of slots in one round trip. PostgreSQL is our only shared component.

Times are the callers' wall clocks, so replicas need synchronised clocks (NTP): a skew of
d seconds lets the rate overshoot by at most ``d × rate`` sends, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel, col


class RateSlot(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=255)
    next_at: float  # epoch seconds: the first free slot
    span: float  # seconds between two sends on this key


@dataclass(frozen=True)
class Want:
    """One send on ``key`` wished at ``at`` (epoch seconds), ``span`` apart from the next."""

    key: str
    at: float
    span: float


def _insert(connection: Connection):  # type: ignore[no-untyped-def]
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(RateSlot)


def hold(connection: Connection) -> None:
    """Take SQLite's write lock now, with a write that changes nothing, so that the caller
    reads its clock once any wait for the lock is over and never plans a slot in the past.
    (PostgreSQL locks just the rows, inside each statement, for milliseconds.)"""
    if connection.dialect.name == "sqlite":
        connection.execute(delete(RateSlot).where(col(RateSlot.key) == ""))


def reserve(connection: Connection, key: str, count: int, span: float, now: float) -> float:
    """Reserve ``count`` back-to-back slots on ``key``; returns the first one's start (the
    others follow ``span`` apart). Nobody else gets a slot inside the reserved run."""
    stmt = _insert(connection).values(key=key[:255], next_at=now + count * span, span=span)
    current = col(RateSlot.next_at)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "next_at": case((current > now, current), else_=now) + count * span,
            "span": span,
        },
    ).returning(col(RateSlot.next_at))
    ends = float(connection.execute(stmt).scalar_one())
    return ends - count * span


def grant(connection: Connection, wants: Iterable[Want]) -> dict[str, float]:
    """Take each wanted slot if its key is free at that moment, in one statement.

    Returns, per key, the key's next free moment afterwards: ``want.at + want.span`` when
    the slot was granted, else the later moment the caller should try again (nothing is
    taken then). Keys must be distinct (one row cannot be updated twice by a statement)."""
    rows = [{"key": w.key[:255], "next_at": w.at + w.span, "span": w.span} for w in wants]
    if not rows:
        return {}
    stmt = _insert(connection).values(rows)
    current = col(RateSlot.next_at)
    wished = stmt.excluded.next_at - stmt.excluded.span
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "next_at": case((current <= wished, stmt.excluded.next_at), else_=current),
            "span": stmt.excluded.span,
        },
    ).returning(col(RateSlot.key), col(RateSlot.next_at))
    return {str(key): float(next_at) for key, next_at in connection.execute(stmt).all()}


def forget_idle(connection: Connection, before: float) -> int:
    """Drop budgets idle since ``before``: an absent key is a free key, so this loses
    nothing and keeps the table to the conversations of the last minutes."""
    result = connection.execute(delete(RateSlot).where(col(RateSlot.next_at) < before))
    return int(result.rowcount or 0)
