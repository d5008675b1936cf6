"""Who may open the dashboard: one-time links HR asks for in chat, ``ELCI_ADMIN_TOKEN``,
and the browser sessions either opens.

Tokens are random, shown once, and stored only as digests. A link works once and for
``LINK_TTL``; a session lasts ``SESSION_TTL``. A person's HR role is read again on every
request, so taking it away closes their sessions at once.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine

from bot.roles import HR, allows
from storage.dashboard import (
    DashboardSession,
    SignInLink,
    digest,
    forget_expired,
    live_session,
    redeem_link,
)
from storage.engine import session_scope
from storage.people import Person, utcnow

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=8)
SIGN_IN_PATH = "/admin/signin"


@dataclass(frozen=True)
class Viewer:
    """Whoever holds a valid session: a person, or the deployment's admin token."""

    person_id: int | None
    name: str
    locale: str | None
    is_hr: bool


def new_link(engine: Engine, person_id: int, public_url: str) -> str:
    """A one-time sign-in URL for this person, valid for ``LINK_TTL``."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with session_scope(engine) as session:
        forget_expired(session, now)
        session.add(
            SignInLink(token_hash=digest(token), person_id=person_id, expires_at=now + LINK_TTL)
        )
    return f"{public_url.rstrip('/')}{SIGN_IN_PATH}?token={token}"


def open_session(engine: Engine, person_id: int | None) -> str:
    """A new session for the browser; the token returned goes in its cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with session_scope(engine) as session:
        forget_expired(session, now)
        session.add(
            DashboardSession(
                token_hash=digest(token), person_id=person_id, expires_at=now + SESSION_TTL
            )
        )
    return token


def sign_in_with_link(engine: Engine, token: str) -> str | None:
    """Spend a one-time link; a session token, or None if the link is unknown, used or
    expired."""
    with session_scope(engine) as session:
        person_id = redeem_link(session, token, utcnow())
    return open_session(engine, person_id) if person_id is not None else None


def admin_token_matches(expected: str | None, given: str) -> bool:
    """Constant-time, so the answer time tells nothing about how much of it was right."""
    return bool(expected) and hmac.compare_digest(given.encode(), (expected or "").encode())


def viewer_of(engine: Engine, token: str) -> Viewer | None:
    """The viewer a session cookie stands for, or None if it is unknown or expired."""
    with session_scope(engine) as session:
        found = live_session(session, token, utcnow())
        if found is None:
            return None
        if found.person_id is None:
            return Viewer(None, "", None, is_hr=True)
        person = session.get(Person, found.person_id)
        if person is None:
            return None
        return Viewer(
            person.id,
            person.name,
            person.lang_override or person.locale,
            is_hr=allows(person.roles, HR),
        )


def close_session(engine: Engine, token: str) -> None:
    with session_scope(engine) as session:
        found = session.get(DashboardSession, digest(token))
        if found is not None:
            session.delete(found)
