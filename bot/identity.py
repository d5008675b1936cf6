"""Who is talking: a platform account linked to a directory person, and their language.

Linking is by email, the one key every platform and the directory share. People the
directory does not know keep an account without a person: they get help and a clear word
on what they cannot do, never a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from sqlalchemy.engine import Engine

from bot.events import Actor
from bot.i18n import normalize_locale
from storage.engine import session_scope
from storage.people import Person, PlatformAccount, account_for, person_by_email, utcnow


@dataclass(frozen=True)
class Identity:
    person: Person | None
    account: PlatformAccount
    locale: str

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.person.roles) if self.person else ()


def resolve(
    engine: Engine,
    actor: Actor,
    default_locale: str,
    conversation_ref: dict[str, Any] | None = None,
) -> Identity:
    """Find or create the account, link it by email, remember how to reach it."""
    with session_scope(engine) as session:
        account = account_for(session, actor.platform, actor.tenant, actor.user_id)
        if account is None:
            account = PlatformAccount(
                platform=actor.platform, tenant=actor.tenant, user_id=actor.user_id
            )
        person = session.get(Person, account.person_id) if account.person_id else None
        email = actor.email.strip().lower() if actor.email else account.email
        if person is None and email:
            person = person_by_email(session, email)
        changes: dict[str, Any] = {
            "person_id": person.id if person else None,
            "email": email,
            "platform_locale": actor.locale or account.platform_locale,
            "timezone": actor.timezone or account.timezone,
        }
        if conversation_ref:
            changes["conversation_ref"] = conversation_ref
        if account.id is None or any(getattr(account, k) != v for k, v in changes.items()):
            for key, value in changes.items():
                setattr(account, key, value)
            account.updated_at = utcnow()
            session.add(account)
            session.flush()
        locale = pick_locale(person, account, default_locale)
        return Identity(person=person, account=account, locale=locale)


def pick_locale(person: Person | None, account: PlatformAccount, default: str) -> str:
    """An explicit ``lang`` choice wins, then the platform's locale, then the directory's."""
    candidates = (
        person.lang_override if person else None,
        account.lang_override,
        account.platform_locale,
        person.locale if person else None,
    )
    for candidate in candidates:
        locale = normalize_locale(candidate)
        if locale:
            return locale
    return normalize_locale(default) or "en"


def set_language(engine: Engine, identity: Identity, locale: str) -> None:
    """Remember the choice on the person when known, else on the account."""
    with session_scope(engine) as session:
        if identity.person is not None:
            person = session.get(Person, identity.person.id)
            assert person is not None
            person.lang_override = locale
            person.updated_at = utcnow()
            session.add(person)
        account = session.get(PlatformAccount, identity.account.id)
        assert account is not None
        account.lang_override = locale
        session.add(account)


class IdentityCache:
    """Who is talking, remembered for a few seconds per process.

    Resolving costs two queries and a commit, about two thirds of a fast turn; a burst of
    turns from one person pays it once. A change made in this process (``lang``) is
    forgotten at once; one made elsewhere (a directory import) shows within ``ttl``.
    """

    def __init__(self, ttl: float = 10.0, size: int = 10_000) -> None:
        self._entries: TTLCache[tuple[Any, ...], Identity] = TTLCache(size, ttl)

    def resolve(
        self,
        engine: Engine,
        actor: Actor,
        default_locale: str,
        conversation_ref: dict[str, Any] | None = None,
    ) -> Identity:
        key = (actor, default_locale, json.dumps(conversation_ref, sort_keys=True, default=str))
        found = self._entries.get(key)
        if found is None:
            found = resolve(engine, actor, default_locale, conversation_ref)
            self._entries[key] = found
        return found

    def forget(self, identity: Identity) -> None:
        """Drop every entry of this account or person, after a change to either."""
        person_id = identity.person.id if identity.person else None
        for key, cached in list(self._entries.items()):
            same_person = person_id is not None and cached.person and cached.person.id == person_id
            if cached.account.id == identity.account.id or same_person:
                self._entries.pop(key, None)
