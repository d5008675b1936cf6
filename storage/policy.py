"""The social media policy: who acknowledged which version, and who passed the training.

Both tables only grow. An acknowledgement is kept once per (person, version); every
training attempt is kept, passed or not, so HR can see who engaged and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, UniqueConstraint, case, func, true
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from storage.people import Person, utcnow


class PolicyAcknowledgement(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("person_id", "version", name="uq_policyacknowledgement_person_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    version: str = Field(max_length=32)
    at: datetime = Field(default_factory=utcnow)


class TrainingResult(SQLModel, table=True):
    """One attempt at the training quiz; ``version`` is the quiz's own version."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    version: str = Field(max_length=32)
    score: int
    total: int
    passed: bool
    at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class Completion:
    """One department's progress; ``department`` is None for people without one."""

    department: str | None
    people: int
    acknowledged: int
    trained: int


def acknowledgement(session: Session, person_id: int, version: str) -> PolicyAcknowledgement | None:
    query = select(PolicyAcknowledgement).where(
        col(PolicyAcknowledgement.person_id) == person_id,
        col(PolicyAcknowledgement.version) == version,
    )
    return session.exec(query).first()


def has_acknowledged_any(session: Session, person_id: int) -> bool:
    """Any version at all: tells "the policy changed" apart from "never read it"."""
    query = select(PolicyAcknowledgement.id).where(
        col(PolicyAcknowledgement.person_id) == person_id
    )
    return session.exec(query.limit(1)).first() is not None


def acknowledge(session: Session, person_id: int, version: str) -> bool:
    """Record the acknowledgement unless it exists; True when it is new."""
    try:
        with session.begin_nested():
            session.add(PolicyAcknowledgement(person_id=person_id, version=version))
    except IntegrityError:
        return False
    return True


def record_attempt(
    session: Session, person_id: int, version: str, score: int, total: int, passed: bool
) -> TrainingResult:
    result = TrainingResult(
        person_id=person_id, version=version, score=score, total=total, passed=passed
    )
    session.add(result)
    session.flush()
    return result


def best_pass(session: Session, person_id: int, version: str) -> TrainingResult | None:
    """The first passed attempt at this quiz version, if any."""
    query = (
        select(TrainingResult)
        .where(
            col(TrainingResult.person_id) == person_id,
            col(TrainingResult.version) == version,
            col(TrainingResult.passed).is_(True),
        )
        .order_by(col(TrainingResult.at), col(TrainingResult.id))
    )
    return session.exec(query).first()


def completion_by_department(
    session: Session, policy_version: str, training_version: str | None
) -> list[Completion]:
    """Per department: people, how many acknowledged ``policy_version`` and how many passed
    ``training_version`` (with no training, everyone counts as trained).

    One grouped query, however many people the directory holds.
    """
    acked = (
        sa_select(col(PolicyAcknowledgement.person_id).label("person_id"))
        .where(col(PolicyAcknowledgement.version) == policy_version)
        .distinct()
        .subquery()
    )
    passed = (
        sa_select(col(TrainingResult.person_id).label("person_id"))
        .where(
            col(TrainingResult.version) == (training_version or ""),
            col(TrainingResult.passed).is_(True),
        )
        .distinct()
        .subquery()
    )
    has_ack = acked.c.person_id.is_not(None)
    has_passed = passed.c.person_id.is_not(None) if training_version else true()
    query = (
        sa_select(
            col(Person.department),
            func.count(col(Person.id)),
            _count_where(has_ack),
            _count_where(has_passed),
        )
        .select_from(Person)
        .outerjoin(acked, acked.c.person_id == Person.id)
        .outerjoin(passed, passed.c.person_id == Person.id)
        .group_by(col(Person.department))
    )
    return [Completion(*row) for row in session.execute(query).all()]


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
