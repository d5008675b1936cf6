"""The directory: people, their platform accounts, and departments.

Roles live on the person as a list of names (groups such as ``group:pilot`` included),
because every check reads them with the person and the directory is imported whole.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint, false
from sqlmodel import Field, Session, SQLModel, select


def utcnow() -> datetime:
    return datetime.now(UTC)


class Department(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=64)
    name_en: str = Field(max_length=200)
    name_tr: str = Field(max_length=200)


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True, max_length=320)
    name: str = Field(max_length=200)
    department: str | None = Field(default=None, max_length=64, index=True)
    location: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    locale: str | None = Field(default=None, max_length=16)
    timezone: str | None = Field(default=None, max_length=64)
    manager_email: str | None = Field(default=None, max_length=320)
    slack_user_id: str | None = Field(default=None, max_length=32)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lang_override: str | None = Field(default=None, max_length=16)
    # Left the leaderboards: counted in aggregates only, never listed or ranked.
    leaderboard_hidden: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Set by ``elci erase``: the row is a tombstone that keeps anonymous totals right.
    erased_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PlatformAccount(SQLModel, table=True):
    """A person's identity on one chat platform, and how to reach them proactively.

    ``person_id`` stays empty for users the directory does not know yet; their language
    choice is kept here so that ``lang`` works for them too.
    """

    __table_args__ = (UniqueConstraint("platform", "tenant", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    tenant: str = Field(default="", max_length=128)
    user_id: str = Field(max_length=256)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    email: str | None = Field(default=None, max_length=320)
    conversation_ref: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    lang_override: str | None = Field(default=None, max_length=16)
    platform_locale: str | None = Field(default=None, max_length=16)
    timezone: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


def person_by_email(session: Session, email: str) -> Person | None:
    return session.exec(select(Person).where(Person.email == email.strip().lower())).first()


def account_for(
    session: Session, platform: str, tenant: str, user_id: str
) -> PlatformAccount | None:
    query = select(PlatformAccount).where(
        PlatformAccount.platform == platform,
        PlatformAccount.tenant == tenant,
        PlatformAccount.user_id == user_id,
    )
    return session.exec(query).first()


def accounts_of(session: Session, person_id: int) -> list[PlatformAccount]:
    query = select(PlatformAccount).where(PlatformAccount.person_id == person_id)
    return list(session.exec(query).all())
