"""Leases on periodic jobs, so that among many processes exactly one runs a job at a time.

A lease is taken with one conditional UPDATE (free, expired, or already ours), so two
processes can never both believe they hold it; the row also remembers when the job last
finished, which is what makes a job "due".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col

from storage.people import utcnow


class JobLease(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=64)
    holder: str | None = Field(default=None, max_length=64)
    until: datetime | None = Field(default=None)
    last_run: datetime | None = Field(default=None)


def acquire(engine: Engine, name: str, holder: str, ttl: timedelta, every: timedelta) -> bool:
    """Take the lease on ``name`` if the job is due and nobody else holds it."""
    now = utcnow()
    with Session(engine) as session:
        if session.get(JobLease, name) is None:
            session.add(JobLease(name=name))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
        result = session.connection().execute(
            update(JobLease)
            .where(col(JobLease.name) == name)
            .where(or_(col(JobLease.until).is_(None), col(JobLease.until) < now))
            .where(or_(col(JobLease.last_run).is_(None), col(JobLease.last_run) <= now - every))
            .values(holder=holder, until=now + ttl)
        )
        session.commit()
        return result.rowcount == 1


def release(engine: Engine, name: str, holder: str) -> None:
    """Mark the run finished: the job is next due ``every`` from now."""
    with Session(engine) as session:
        session.connection().execute(
            update(JobLease)
            .where(col(JobLease.name) == name, col(JobLease.holder) == holder)
            .values(holder=None, until=None, last_run=utcnow())
        )
        session.commit()
