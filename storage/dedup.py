"""Seen platform deliveries, so a redelivered event is processed once across processes.

The unique key does the work: the first process to insert wins, every other gets an
integrity error and skips. No read-then-write race.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from storage.people import utcnow


class SeenDelivery(SQLModel, table=True):
    source: str = Field(primary_key=True, max_length=32)
    delivery_id: str = Field(primary_key=True, max_length=255)
    seen_at: datetime = Field(default_factory=utcnow, index=True)


def first_sighting(engine: Engine, source: str, delivery_id: str) -> bool:
    """Record the delivery; True only for the first caller anywhere."""
    with Session(engine) as session:
        session.add(SeenDelivery(source=source, delivery_id=delivery_id[:255]))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
    return True


def forget_older_than(engine: Engine, age: timedelta) -> int:
    with Session(engine) as session:
        result = session.connection().execute(
            delete(SeenDelivery).where(SeenDelivery.seen_at < utcnow() - age)  # type: ignore[arg-type]
        )
        session.commit()
        return result.rowcount or 0
