"""Delivery workers: claim a batch from the ledger, send each at the platform's rate,
record the outcomes. Any number of workers may run against one database.

Failures: a transient one (429, 5xx, the network) goes back to the queue after the
``Retry-After`` the platform asked for, or after an exponential backoff with jitter, up to
``attempts`` tries; a permanent one is a dead letter with its reason (``replay`` requeues).

Crash safety: a row is sent only while claimed, and a claim whose lease lapsed is *in
doubt*. Before resending such a row the worker asks the sender whether the delivery
already arrived (Slack: the delivery id in the DM's message metadata); where no sender can
tell (Teams), it resends once, and a row in doubt a second time counts as sent.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.delivery import ledger
from bot.delivery.compose import Composer, plain_card
from bot.delivery.settings import CampaignSettings
from bot.i18n import Catalogs
from bot.metrics import DELIVERIES, RATE_LIMITED
from bot.outbound import Outbound
from bot.replies import Reply
from bot.transport import DeliveryError, Sender
from storage.campaigns import Campaign
from storage.engine import session_scope
from storage.people import Person, PlatformAccount, utcnow

log = logging.getLogger(__name__)
IDLE_SECONDS = 0.5


@dataclass(frozen=True)
class Job:
    row: ledger.Claimed
    user_id: str
    conversation_ref: dict[str, Any] | None
    reply: Reply | None  # None: cancelled, or the account is gone (``problem`` says)
    problem: str = ""


def takes_delivery_id(sender: Sender) -> bool:
    try:
        return "delivery_id" in inspect.signature(sender.deliver).parameters
    except (TypeError, ValueError):
        return False


class DeliveryWorker:
    def __init__(
        self,
        engine: Engine,
        outbound: Outbound,
        catalogs: Catalogs,
        settings: CampaignSettings,
        compose: Composer = plain_card,
        default_locale: str = "en",
        random_: Callable[[], float] = random.random,
    ) -> None:
        self.engine = engine
        self.outbound = outbound
        self.catalogs = catalogs
        self.settings = settings
        self.compose = compose
        self.default_locale = default_locale
        self.random = random_
        self.limiters = {
            platform: AsyncLimiter(rate, 1.0) for platform, rate in settings.rates if rate > 0
        }
        self.semaphore = asyncio.Semaphore(settings.concurrency)

    async def run_forever(self, lanes: int = 2) -> None:
        """Drain the ledger for good. ``lanes`` batches are in flight at once, so the rate
        limiter never idles while a batch is claimed or recorded."""
        await asyncio.gather(*(self._lane() for _ in range(lanes)))

    async def _lane(self) -> None:
        while True:
            try:
                done = await self.run_once()
            except Exception:
                log.exception("delivery batch failed")
                done = 0
            if not done:
                await asyncio.sleep(IDLE_SECONDS)

    async def run_once(self) -> int:
        """Claim and deliver one batch; returns how many rows it held (0: nothing due)."""
        lease = timedelta(seconds=self.settings.lease_seconds)
        rows = await asyncio.to_thread(ledger.claim, self.engine, self.settings.batch, lease)
        if not rows:
            await asyncio.to_thread(ledger.finish_campaigns, self.engine)
            return 0
        jobs = await asyncio.to_thread(self._prepare, rows)
        outcomes = ledger.Outcomes.empty(rows[0].claim)
        await asyncio.gather(*(self._one(job, outcomes) for job in jobs))
        await asyncio.to_thread(ledger.record, self.engine, outcomes)
        return len(rows)

    def _prepare(self, rows: list[ledger.Claimed]) -> list[Job]:
        with session_scope(self.engine) as session:
            campaigns = {
                c.id: c
                for c in session.exec(
                    select(Campaign).where(col(Campaign.id).in_({r.campaign_id for r in rows}))
                ).all()
            }
            person_ids = {row.person_id for row in rows}
            people = {
                p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(person_ids)))
            }
            accounts: dict[tuple[int, str], PlatformAccount] = {}
            for account in session.exec(
                select(PlatformAccount).where(col(PlatformAccount.person_id).in_(person_ids))
            ):
                key = (account.person_id or 0, account.platform)
                known = accounts.get(key)
                if known is None or account.updated_at > known.updated_at:
                    accounts[key] = account
            replies: dict[tuple[int, str], Reply] = {}
            jobs = []
            for row in rows:
                campaign, person = campaigns.get(row.campaign_id), people.get(row.person_id)
                found = accounts.get((row.person_id, row.platform))
                if campaign is None or person is None or campaign.status == "cancelled":
                    jobs.append(Job(row, "", None, None, "cancelled"))
                    continue
                if found is None or row.platform not in self.outbound.senders:
                    jobs.append(Job(row, "", None, None, f"no {row.platform} account"))
                    continue
                locale = person.lang_override or person.locale or self.default_locale
                tr = self.catalogs.get(locale)
                key = (row.campaign_id, tr.locale)
                if key not in replies or self.compose is not plain_card:
                    replies[key] = self.compose(session, campaign, person, tr)
                jobs.append(Job(row, found.user_id, found.conversation_ref, replies[key]))
            return jobs

    async def _one(self, job: Job, outcomes: ledger.Outcomes) -> None:
        row = job.row
        if job.reply is None:
            if job.problem == "cancelled":
                outcomes.cancelled.append(row.id)
                return
            outcomes.dead.append((row.id, job.problem))
            DELIVERIES.labels(row.platform, "dead").inc()
            return
        sender = self.outbound.senders[row.platform]
        async with self.semaphore:
            try:
                if row.in_doubt and await self._already_there(sender, job, row):
                    outcomes.sent.append(row.id)
                    DELIVERIES.labels(row.platform, "sent").inc()
                    return
                limiter = self.limiters.get(row.platform)
                if limiter is not None:
                    await limiter.acquire()
                if takes_delivery_id(sender):
                    await sender.deliver(  # type: ignore[call-arg]
                        job.user_id, job.conversation_ref, job.reply, delivery_id=str(row.id)
                    )
                else:
                    await sender.deliver(job.user_id, job.conversation_ref, job.reply)
            except DeliveryError as exc:
                self._failed(row, exc, outcomes)
                return
            except Exception as exc:  # a bug or the network: transient, and logged
                log.warning("delivery raised", exc_info=True, extra={"delivery": row.id})
                self._failed(row, DeliveryError(repr(exc), permanent=False), outcomes)
                return
        outcomes.sent.append(row.id)
        DELIVERIES.labels(row.platform, "sent").inc()

    async def _already_there(self, sender: Sender, job: Job, row: ledger.Claimed) -> bool:
        """True when the delivery in doubt is known to have arrived (or, with no way to
        check, was already resent once: resend at most once)."""
        check = getattr(sender, "delivered", None)
        answer = None
        if check is not None:
            answer = await check(job.user_id, job.conversation_ref, str(row.id))
        if answer is not None:
            return bool(answer)
        return row.doubts >= 2

    def _failed(self, row: ledger.Claimed, exc: DeliveryError, outcomes: ledger.Outcomes) -> None:
        if exc.retry_after is not None or "ratelimit" in exc.reason or "429" in exc.reason:
            RATE_LIMITED.labels(row.platform).inc()
        if exc.permanent:
            outcomes.dead.append((row.id, exc.reason))
            DELIVERIES.labels(row.platform, "dead").inc()
            return
        if row.attempts >= self.settings.attempts:
            outcomes.dead.append((row.id, f"gave up after {row.attempts} attempts: {exc.reason}"))
            DELIVERIES.labels(row.platform, "dead").inc()
            return
        outcomes.retry.append((row.id, self._next_try(row.attempts, exc.retry_after), exc.reason))
        DELIVERIES.labels(row.platform, "retried").inc()

    def _next_try(self, attempts: int, retry_after: float | None) -> datetime:
        backoff = self.settings.backoff_seconds * 2 ** (attempts - 1)
        delay = backoff * (0.5 + self.random())  # full-range jitter around the backoff
        return utcnow() + timedelta(seconds=max(delay, retry_after or 0.0))


def worker_for(services: Any, compose: Composer = plain_card) -> DeliveryWorker:
    """A worker from the process's services; ``elci serve`` and ``elci worker`` get theirs
    from the composition root (``bot.compose.delivery_worker``), with the sharing card."""
    from bot.delivery.settings import campaign_settings

    config = services.settings.config
    return DeliveryWorker(
        services.engine,
        services.outbound,
        services.catalogs,
        campaign_settings(config),
        compose=compose,
        default_locale=config.default_locale,
    )


async def run_campaigns(worker: DeliveryWorker, every: float = 5.0) -> None:
    """Start scheduled campaigns when due and release held waves when their delay has
    passed; ``ledger.start`` is one conditional UPDATE, so however many processes run
    this, each campaign starts once."""
    platforms = sorted(worker.outbound.senders)
    while True:
        try:
            for campaign_id in await asyncio.to_thread(ledger.due_campaigns, worker.engine):
                await asyncio.to_thread(
                    ledger.start, worker.engine, campaign_id, platforms, worker.settings
                )
            for campaign_id in await asyncio.to_thread(ledger.waves_due, worker.engine):
                await asyncio.to_thread(
                    ledger.release_rest, worker.engine, campaign_id, worker.settings
                )
        except Exception:
            log.exception("starting campaigns failed")
        await asyncio.sleep(every)
