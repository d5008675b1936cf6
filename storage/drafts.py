"""Bloggers' drafts: every version kept, the reviews of each, and what the author was told.

A draft is stored the moment it is submitted (status ``checking``), before any check or
delivery can fail; every later step only updates it. ``DraftEvent`` is both the history
shown to the author and an outbox: an event whose ``notified_at`` is empty has yet to
reach the author, and is retried. ``Review.delivered_at`` plays the same part for the
reviewer's card.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from storage.people import Person, utcnow
from storage.tracking import ShareIntent

# Draft statuses.
CHECKING = "checking"  # stored; the policy check and routing have not run yet
HELD = "held"  # stored; waits for the author to finish the policy steps
BLOCKED = "blocked"  # a blocking finding: the author must edit it
IN_REVIEW = "in_review"
CHANGES_REQUESTED = "changes_requested"
APPROVED = "approved"  # every review approved; the content item is being made
SCHEDULED = "scheduled"  # a content item exists, published later
PUBLISHED = "published"
REJECTED = "rejected"
EDITABLE = (BLOCKED, CHANGES_REQUESTED, HELD)

# Review states.
PENDING = "pending"
ACCEPTED = "approved"
CHANGES = "changes"
DECLINED = "rejected"
CLOSED = "closed"  # another reviewer decided for the draft first


class Draft(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="person.id", index=True)
    status: str = Field(default=CHECKING, max_length=24, index=True)
    version: int = Field(default=1)
    item_id: int | None = Field(default=None, foreign_key="contentitem.id", index=True)
    publish_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class DraftVersion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("draft_id", "number", name="uq_draftversion_number"),)

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="draft.id", index=True)
    number: int
    title: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    link: str = Field(max_length=2000)
    networks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    language: str = Field(default="en", max_length=8)
    # Policy findings as dicts (``bot.lint.Finding.as_dict`` plus ``field``); None until checked.
    findings: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)


class Review(SQLModel, table=True):
    """One department's review of one version; ``reviewer_id`` is empty while nobody
    eligible exists (the scheduler keeps trying to assign one)."""

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="draft.id", index=True)
    version: int
    department: str = Field(max_length=64)
    reviewer_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    state: str = Field(default=PENDING, max_length=16, index=True)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    publish_at: datetime | None = Field(default=None)
    assigned_at: datetime | None = Field(default=None)
    delivered_at: datetime | None = Field(default=None)
    delivery_error: str | None = Field(default=None, max_length=300)
    attempts: int = Field(default=0)
    next_try_at: datetime | None = Field(default=None)
    reminded_at: datetime | None = Field(default=None)
    escalated_at: datetime | None = Field(default=None)
    escalated_to: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)


class ReviewerRotation(SQLModel, table=True):
    """Round-robin within a department: who was picked last."""

    department: str = Field(primary_key=True, max_length=64)
    last_person_id: int | None = Field(default=None)


class DraftEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="draft.id", index=True)
    version: int
    kind: str = Field(max_length=24)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    department: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    notified_at: datetime | None = Field(default=None, index=True)
    attempts: int = Field(default=0)
    next_try_at: datetime | None = Field(default=None)


class DraftShareNotice(SQLModel, table=True):
    """A colleague's share of a published draft that its author has been told about."""

    intent_id: int = Field(foreign_key="shareintent.id", primary_key=True)
    draft_id: int = Field(foreign_key="draft.id", index=True)
    notified_at: datetime = Field(default_factory=utcnow)


def add_version(session: Session, draft: Draft, values: dict[str, Any]) -> DraftVersion:
    version = DraftVersion(draft_id=draft.id or 0, number=draft.version, **values)
    session.add(version)
    session.flush()
    return version


def current_version(session: Session, draft: Draft) -> DraftVersion:
    query = select(DraftVersion).where(
        col(DraftVersion.draft_id) == draft.id, col(DraftVersion.number) == draft.version
    )
    return session.exec(query).one()


def versions_of(session: Session, draft_id: int) -> list[DraftVersion]:
    query = select(DraftVersion).where(col(DraftVersion.draft_id) == draft_id)
    return list(session.exec(query.order_by(col(DraftVersion.number))).all())


def locked_draft(session: Session, draft_id: int) -> Draft | None:
    """The draft, its row locked until the transaction ends (PostgreSQL; SQLite writes
    one at a time anyway), so two reviewers' decisions never both complete it."""
    query = select(Draft).where(col(Draft.id) == draft_id).with_for_update()
    return session.exec(query).first()


def drafts_of(session: Session, author_id: int) -> list[Draft]:
    query = select(Draft).where(col(Draft.author_id) == author_id)
    return list(session.exec(query.order_by(col(Draft.id).desc())).all())


def drafts_in(session: Session, statuses: Sequence[str]) -> list[Draft]:
    query = select(Draft).where(col(Draft.status).in_(statuses))
    return list(session.exec(query.order_by(col(Draft.id))).all())


def reviews_of(session: Session, draft: Draft, version: int | None = None) -> list[Review]:
    query = select(Review).where(
        col(Review.draft_id) == draft.id, col(Review.version) == (version or draft.version)
    )
    return list(session.exec(query.order_by(col(Review.id))).all())


def last_reviewer(session: Session, draft_id: int, department: str) -> int | None:
    query = (
        select(Review.reviewer_id)
        .where(col(Review.draft_id) == draft_id, col(Review.department) == department)
        .where(col(Review.reviewer_id).is_not(None))
        .order_by(col(Review.id).desc())
    )
    return session.exec(query).first()


def queue_of(session: Session, reviewer_id: int) -> list[Review]:
    query = select(Review).where(
        col(Review.reviewer_id) == reviewer_id, col(Review.state) == PENDING
    )
    return list(session.exec(query.order_by(col(Review.id))).all())


def open_reviews(session: Session) -> list[Review]:
    query = select(Review).where(col(Review.state) == PENDING)
    return list(session.exec(query.order_by(col(Review.id))).all())


def people_in(session: Session, department: str) -> list[Person]:
    query = select(Person).where(col(Person.department) == department)
    return list(session.exec(query.order_by(col(Person.id))).all())


def next_in_rotation(session: Session, department: str, candidates: Sequence[int]) -> int | None:
    """The candidate after the one picked last in ``department``, remembered for next time."""
    if not candidates:
        return None
    query = select(ReviewerRotation).where(col(ReviewerRotation.department) == department)
    row = session.exec(query.with_for_update()).first()
    if row is None:
        try:
            with session.begin_nested():
                row = ReviewerRotation(department=department)
                session.add(row)
        except IntegrityError:
            row = session.exec(query.with_for_update()).one()
    ordered = sorted(candidates)
    after = row.last_person_id or 0
    chosen = next((person for person in ordered if person > after), ordered[0])
    row.last_person_id = chosen
    session.add(row)
    return chosen


def unnotified_events(session: Session, now: datetime) -> list[DraftEvent]:
    query = (
        select(DraftEvent)
        .where(col(DraftEvent.notified_at).is_(None))
        .where(or_(col(DraftEvent.next_try_at).is_(None), col(DraftEvent.next_try_at) <= now))
    )
    return list(session.exec(query.order_by(col(DraftEvent.id))).all())


def events_of(session: Session, draft_id: int) -> list[DraftEvent]:
    query = select(DraftEvent).where(col(DraftEvent.draft_id) == draft_id)
    return list(session.exec(query.order_by(col(DraftEvent.id))).all())


def unannounced_shares(session: Session) -> list[tuple[ShareIntent, Draft]]:
    """Share intents on items made from drafts, not yet told to the drafts' authors."""
    told = select(DraftShareNotice.intent_id)
    query = (
        select(ShareIntent, Draft)
        .join(Draft, col(Draft.item_id) == col(ShareIntent.item_id))
        .where(col(ShareIntent.id).not_in(told))
        .order_by(col(ShareIntent.id))
    )
    return [(intent, draft) for intent, draft in session.exec(query).all()]
