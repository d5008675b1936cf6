"""The points ledger. Points are only ever added; ``(kind, ref)`` makes each award happen
once, however often the event that earns it is seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from storage.people import utcnow


class PointEntry(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("kind", "ref"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=32)
    ref: str = Field(max_length=120)
    points: int
    created_at: datetime = Field(default_factory=utcnow, index=True)


def award(session: Session, person_id: int, kind: str, ref: str, points: int) -> bool:
    """Add the entry unless this (kind, ref) was awarded before; True when added."""
    if points <= 0:
        return False
    try:
        with session.begin_nested():
            session.add(PointEntry(person_id=person_id, kind=kind, ref=ref, points=points))
    except IntegrityError:
        return False
    return True
