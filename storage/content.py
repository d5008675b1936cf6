"""The content library: items HR curates for employees to share, with suggested captions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, or_
from sqlmodel import Field, Session, SQLModel, col, select

from storage.people import utcnow
from storage.tracking import ShareIntent


class ContentItem(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    url: str = Field(max_length=2000)
    slug: str = Field(max_length=120, index=True)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    image_url: str | None = Field(default=None, max_length=2000)
    language: str = Field(default="en", max_length=8)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    audience: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    captions: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    publish_at: datetime | None = Field(default=None)
    expires_at: datetime | None = Field(default=None)
    leader: bool = Field(default=False)
    archived: bool = Field(default=False, index=True)
    created_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)


class Dismissal(SQLModel, table=True):
    """ "Not for me": the item leaves this person's feed for good."""

    item_id: int = Field(foreign_key="contentitem.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


def current_items(session: Session, person_id: int, now: datetime) -> list[ContentItem]:
    """Published, unexpired, unarchived items this person has neither shared nor dismissed.

    Audience matching is left to the caller, which knows the selector rules.
    """
    shared = select(ShareIntent.item_id).where(ShareIntent.person_id == person_id)
    dismissed = select(Dismissal.item_id).where(Dismissal.person_id == person_id)
    query = (
        select(ContentItem)
        .where(col(ContentItem.archived).is_(False))
        .where(or_(col(ContentItem.publish_at).is_(None), col(ContentItem.publish_at) <= now))
        .where(or_(col(ContentItem.expires_at).is_(None), col(ContentItem.expires_at) > now))
        .where(col(ContentItem.id).not_in(shared))
        .where(col(ContentItem.id).not_in(dismissed))
        .order_by(col(ContentItem.id).desc())
    )
    return list(session.exec(query).all())
