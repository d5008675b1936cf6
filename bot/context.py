"""What a handler gets for one turn: who, in which language, and ways to answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.i18n import Translator
from bot.identity import Identity
from bot.replies import Card, Reply, Text
from bot.transport import Transport
from storage.engine import session_scope
from storage.people import Person

if TYPE_CHECKING:
    from bot.services import Services


@dataclass
class Context:
    services: Services
    identity: Identity
    tr: Translator
    transport: Transport

    @property
    def person(self) -> Person | None:
        return self.identity.person

    @property
    def locale(self) -> str:
        return self.tr.locale

    def t(self, message: str, **values: Any) -> str:
        return self.tr.t(message, **values)

    def tn(self, singular: str, plural: str, n: int, **values: Any) -> str:
        return self.tr.tn(singular, plural, n, **values)

    @contextmanager
    def db(self) -> Iterator[Session]:
        with session_scope(self.services.engine) as session:
            yield session

    async def reply(self, reply: Reply | str) -> None:
        await self.transport.send(Text(reply) if isinstance(reply, str) else reply)

    async def update(self, card: Card) -> None:
        await self.transport.update(card)

    async def open_form(self, form_id: str, state: dict[str, Any] | None = None) -> None:
        spec = self.services.router.forms[form_id]
        await self.transport.open_form(spec.build(self, dict(state or {})))

    async def notify(self, person: Person, reply: Reply | str) -> str:
        """Send to someone else, on whichever platform reaches them; returns the platform."""
        assert person.id is not None
        message = Text(reply) if isinstance(reply, str) else reply
        return await self.services.outbound.send(person.id, message)

    def translator_for(self, person: Person) -> Translator:
        """The recipient's language, for what is sent to someone else."""
        return self.services.catalogs.get(
            person.lang_override or person.locale or self.services.settings.config.default_locale
        )
