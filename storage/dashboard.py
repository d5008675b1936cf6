"""Dashboard sign-in: one-time links HR asks for in chat, and browser sessions.

Only SHA-256 digests of the tokens are stored, so a copy of the database signs nobody in.
Both live in the database, not in a process, so any replica can check them.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Field, Session, SQLModel, col, delete, select

from storage.people import utcnow


def digest(token: str) -> str:
    """What we keep of a token: enough to recognise it, useless to present."""
    return hashlib.sha256(token.encode()).hexdigest()


class SignInLink(SQLModel, table=True):
    token_hash: str = Field(primary_key=True, max_length=64)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    used_at: datetime | None = Field(default=None)


class DashboardSession(SQLModel, table=True):
    token_hash: str = Field(primary_key=True, max_length=64)
    # Empty for a session opened with ELCI_ADMIN_TOKEN, which stands for no one person.
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)


def redeem_link(session: Session, token: str, now: datetime) -> int | None:
    """Use the link once: the person it was made for, or None if it is unknown, used or
    expired. The guarded UPDATE makes two simultaneous uses yield one winner."""
    token_hash = digest(token)
    used = session.execute(
        update(SignInLink)
        .where(
            col(SignInLink.token_hash) == token_hash,
            col(SignInLink.used_at).is_(None),
            col(SignInLink.expires_at) > now,
        )
        .values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        return None
    link = session.get(SignInLink, token_hash)
    return link.person_id if link else None


def live_session(session: Session, token: str, now: datetime) -> DashboardSession | None:
    """The session this cookie token opened, unless it has expired."""
    query = select(DashboardSession).where(
        col(DashboardSession.token_hash) == digest(token), col(DashboardSession.expires_at) > now
    )
    return session.exec(query).first()


def forget_expired(session: Session, now: datetime) -> None:
    """Drop links and sessions past their time; called when new ones are made."""
    session.execute(delete(SignInLink).where(col(SignInLink.expires_at) <= now))
    session.execute(delete(DashboardSession).where(col(DashboardSession.expires_at) <= now))
