"""Fixtures for turns through the real core: services on a migrated store, a console chat,
and the HTTP app on the same services."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from adapters.console.chat import ConsoleChat
from bot.compose import build_router
from bot.config import Settings
from bot.i18n import Catalogs
from bot.outbound import Outbound
from bot.router import Router
from bot.services import Services
from bot.turn import Bot
from storage.engine import session_scope
from storage.people import Person


@pytest.fixture
def make_services(engine: Engine) -> Callable[..., Services]:
    def make(router: Router | None = None, config: Path | None = None) -> Services:
        settings = Settings(ELCI_DATABASE_URL=str(engine.url), ELCI_CONFIG=config)
        return Services(settings, engine, router or build_router(), Catalogs(), Outbound(engine))

    return make


@pytest.fixture
def add_person(engine: Engine) -> Callable[..., Person]:
    def add(
        email: str,
        roles: tuple[str, ...] = ("employee",),
        locale: str | None = None,
        name: str = "Ayşe Yılmaz",
    ) -> Person:
        with session_scope(engine) as session:
            person = Person(email=email, name=name, roles=list(roles), locale=locale)
            session.add(person)
            session.flush()
            return person

    return add


class Transcript(io.StringIO):
    def last_lines(self, n: int = 1) -> list[str]:
        return self.getvalue().rstrip("\n").splitlines()[-n:]


@pytest.fixture
def chat(make_services: Callable[..., Services]) -> Callable[..., tuple[ConsoleChat, Transcript]]:
    """A console chat as ``email``; the transcript collects everything the bot printed."""

    def open_chat(
        email: str, router: Router | None = None, services: Services | None = None
    ) -> tuple[ConsoleChat, Transcript]:
        out = Transcript()
        services = services or make_services(router)
        session = ConsoleChat(Bot(services).handle, email, out)
        services.outbound.add(session)
        return session, out

    return open_chat
