"""Periodic jobs: what a feature needs to act when nobody is talking to it (reminders,
escalations, scheduled publication), and the loop that runs them.

Every process may run the loop; a lease in the database makes each job run in one
process at a time, so ``elci serve`` and any number of ``elci worker`` can run side by side.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from bot.i18n import Translator
from bot.replies import Reply, Text
from bot.router import JobSpec
from bot.services import Services
from storage.engine import session_scope
from storage.leases import acquire, release
from storage.people import Person

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class JobContext:
    services: Services

    @contextmanager
    def db(self) -> Iterator[Session]:
        with session_scope(self.services.engine) as session:
            yield session

    def translator_for(self, person: Person) -> Translator:
        return self.services.catalogs.get(
            person.lang_override or person.locale or self.services.settings.config.default_locale
        )

    async def notify(self, person: Person, reply: Reply | str) -> str:
        """Send to ``person`` on whichever platform reaches them; raises if none does."""
        assert person.id is not None
        message = Text(reply) if isinstance(reply, str) else reply
        return await self.services.outbound.send(person.id, message)


class Scheduler:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.holder = f"{socket.gethostname()}:{os.getpid()}"

    async def run_forever(self) -> None:
        while True:
            await self.run_due()
            await asyncio.sleep(TICK_SECONDS)

    async def run_due(self) -> list[str]:
        """Run every job that is due and free; returns the names of those run here."""
        ran = []
        for spec in self.services.router.jobs.values():
            if await asyncio.to_thread(self._take, spec):
                await self._run(spec)
                ran.append(spec.name)
        return ran

    def _take(self, spec: JobSpec) -> bool:
        return acquire(self.services.engine, spec.name, self.holder, LEASE, spec.every)

    async def _run(self, spec: JobSpec) -> None:
        try:
            await asyncio.wait_for(spec.handler(JobContext(self.services)), LEASE.total_seconds())
        except Exception:
            log.exception("job failed", extra={"job": spec.name})
        finally:
            await asyncio.to_thread(release, self.services.engine, spec.name, self.holder)
