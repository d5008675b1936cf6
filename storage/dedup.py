"""Seen platform deliveries, so a redelivered event is processed once across processes.

The unique key does the work: the first process to insert wins, every other gets an
integrity error and skips. No read-then-write race.

An event handled while the platform waits (``claim``, then ``finish`` or ``release``) is
claimed first and marked done only once processed. If processing fails (the database went
away mid-turn) the platform gets a 5xx and retries; the retry must then be processed, not
skipped as seen. ``release`` drops the claim; should that fail too (the database is still
down), a claim left undone for ``stale_after`` is taken over by the next sighting.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import delete, true, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col

from storage.people import utcnow

STALE_AFTER = timedelta(seconds=30)
"""A claim not finished by then belongs to a process that failed or died (a turn answers
within Slack's 3 s and Teams' 15 s)."""


class SeenDelivery(SQLModel, table=True):
    source: str = Field(primary_key=True, max_length=32)
    delivery_id: str = Field(primary_key=True, max_length=255)
    seen_at: datetime = Field(default_factory=utcnow, index=True)
    done: bool = Field(default=True, sa_column_kwargs={"server_default": true()})


class Sighting(Enum):
    NEW = "new"  # process it, then ``finish`` (or ``release`` on failure)
    # A stale claim taken over: its holder died or failed mid-turn, perhaps after answering.
    # Process it as NEW, unless the platform shows the answer already went out.
    TAKEN_OVER = "taken over"
    DONE = "done"  # processed already: acknowledge and drop
    BUSY = "busy"  # another process holds a fresh claim: ask the platform to retry later


def first_sighting(engine: Engine, source: str, delivery_id: str) -> bool:
    """Record the delivery as done; True only for the first caller anywhere."""
    with Session(engine) as session:
        session.add(SeenDelivery(source=source, delivery_id=delivery_id[:255]))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
    return True


def claim(
    engine: Engine, source: str, delivery_id: str, stale_after: timedelta = STALE_AFTER
) -> Sighting:
    """Claim the delivery for processing. Raises the driver's error when the database is
    unreachable, so the caller answers 5xx with nothing written."""
    key = delivery_id[:255]
    now = utcnow()
    with Session(engine) as session:
        session.add(SeenDelivery(source=source, delivery_id=key, seen_at=now, done=False))
        try:
            session.commit()
            return Sighting.NEW
        except IntegrityError:
            session.rollback()
        taken = session.connection().execute(
            update(SeenDelivery)
            .where(
                col(SeenDelivery.source) == source,
                col(SeenDelivery.delivery_id) == key,
                col(SeenDelivery.done).is_(False),
                col(SeenDelivery.seen_at) < now - stale_after,
            )
            .values(seen_at=now)
        )
        session.commit()
        if taken.rowcount == 1:
            return Sighting.TAKEN_OVER
        found = session.get(SeenDelivery, (source, key))
        return Sighting.DONE if found is None or found.done else Sighting.BUSY


def finish(engine: Engine, source: str, delivery_id: str) -> None:
    with Session(engine) as session:
        session.connection().execute(
            update(SeenDelivery)
            .where(col(SeenDelivery.source) == source,
                   col(SeenDelivery.delivery_id) == delivery_id[:255])
            .values(done=True)
        )  # fmt: skip
        session.commit()


def release(engine: Engine, source: str, delivery_id: str) -> None:
    """Forget an unfinished claim so the platform's retry is processed."""
    with Session(engine) as session:
        session.connection().execute(
            delete(SeenDelivery).where(
                col(SeenDelivery.source) == source,
                col(SeenDelivery.delivery_id) == delivery_id[:255],
                col(SeenDelivery.done).is_(False),
            )
        )
        session.commit()


def forget_older_than(engine: Engine, age: timedelta) -> int:
    with Session(engine) as session:
        result = session.connection().execute(
            delete(SeenDelivery).where(SeenDelivery.seen_at < utcnow() - age)  # type: ignore[arg-type]
        )
        session.commit()
        return result.rowcount or 0
