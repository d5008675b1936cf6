"""Delivery workers: claim a batch from the ledger, send each at the platform's rate,
record the outcomes. Any number of workers may run against one database.

Failures: a transient one (429, 5xx, the network) goes back to the queue after the
``Retry-After`` the platform asked for, or after an exponential backoff with jitter, up to
``attempts`` tries; a permanent one is a dead letter with its reason (``replay`` requeues).
A transient failure other than a refusal (429) may hide a message that did arrive (a
timeout after Slack accepted it), so that row is in doubt, and reconciled before resending.

Rates: every send waits for its slot in the budgets all workers share through the
database (``bot.delivery.limits``): the workspace / tenant rate and the per-conversation
rate hold however many workers run.

Crash safety: a row is sent only while claimed, and a claim whose lease lapsed is *in
doubt*. Before resending such a row the worker asks the sender whether the delivery
already arrived (Slack: the delivery id in the DM's message metadata); where no sender can
tell (Teams), it resends once, and a row in doubt a second time counts as sent.

Shutdown (``stop``): no new batch is claimed, sends already under way finish and are
recorded, and claimed rows not yet sent go back to the queue at once (not after their
lease), for another worker to take.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.delivery import ledger
from bot.delivery.compose import Composer, plain_card
from bot.delivery.limits import Send, SharedLimits, Slots
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
SHUTDOWN_S = 10.0


@dataclass(frozen=True)
class Job:
    row: ledger.Claimed
    user_id: str
    conversation_ref: dict[str, Any] | None
    reply: Reply | None  # None: cancelled, or the account is gone (``problem`` says)
    problem: str = ""
    workspace: str = ""  # the account's Slack team / Teams tenant: whose rate budget


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
        self.limits = SharedLimits(engine, settings)
        self.semaphore = asyncio.Semaphore(settings.concurrency)
        self.stopping = asyncio.Event()

    async def run_forever(self, lanes: int = 2) -> None:
        """Drain the ledger until ``stop``. ``lanes`` batches are in flight at once, so the
        rate budget never idles while a batch is claimed or recorded."""
        await asyncio.gather(*(self._lane() for _ in range(lanes)))

    def stop(self) -> None:
        """Claim nothing more; batches under way finish their sends and release the rest."""
        self.stopping.set()

    async def _lane(self) -> None:
        while not self.stopping.is_set():
            try:
                done = await self.run_once()
            except Exception:
                log.exception("delivery batch failed")
                done = 0
            if not done:
                await self._pause(IDLE_SECONDS)

    async def run_once(self) -> int:
        """Claim and deliver one batch; returns how many rows it held (0: nothing due)."""
        lease = timedelta(seconds=self.settings.lease_seconds)
        rows = await asyncio.to_thread(ledger.claim, self.engine, self.settings.batch, lease)
        if not rows:
            await asyncio.to_thread(ledger.finish_campaigns, self.engine)
            return 0
        outcomes = ledger.Outcomes.empty(rows[0].claim)
        try:
            jobs, slots = await asyncio.to_thread(self._prepare_and_plan, rows)
        except Exception:
            outcomes.released.extend(row.id for row in rows)  # not sent: due again at once
            await asyncio.to_thread(ledger.record, self.engine, outcomes)
            raise
        await asyncio.gather(*(self._one(job, slots, outcomes) for job in jobs))
        await asyncio.to_thread(ledger.record, self.engine, outcomes)
        return len(rows)

    def _prepare_and_plan(self, rows: list[ledger.Claimed]) -> tuple[list[Job], Slots]:
        jobs = self._prepare(rows)
        sends = [
            Send(job.row.id, job.row.platform, job.workspace, job.user_id)
            for job in jobs
            if job.reply is not None
        ]
        return jobs, self.limits.plan(sends)

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
            wanted: list[tuple[ledger.Claimed, Campaign, Person, PlatformAccount]] = []
            for row in rows:
                campaign, person = campaigns.get(row.campaign_id), people.get(row.person_id)
                found = accounts.get((row.person_id, row.platform))
                if campaign is None or person is None or campaign.status == "cancelled":
                    jobs.append(Job(row, "", None, None, "cancelled"))
                    continue
                if found is None or row.platform not in self.outbound.senders:
                    jobs.append(Job(row, "", None, None, f"no {row.platform} account"))
                    continue
                wanted.append((row, campaign, person, found))
            prepare = getattr(self.compose, "prepare", None)
            if prepare is not None:  # the batch's writes at once (see ``Composer``)
                prepare(session, [(campaign, person) for _, campaign, person, _ in wanted])
            for row, campaign, person, found in wanted:
                locale = person.lang_override or person.locale or self.default_locale
                tr = self.catalogs.get(locale)
                key = (row.campaign_id, tr.locale)
                if key not in replies or self.compose is not plain_card:
                    replies[key] = self.compose(session, campaign, person, tr)
                jobs.append(
                    Job(row, found.user_id, found.conversation_ref, replies[key],
                        workspace=found.tenant)
                )  # fmt: skip
            return jobs

    async def _one(self, job: Job, slots: Slots, outcomes: ledger.Outcomes) -> None:
        row = job.row
        if job.reply is None:
            if job.problem == "cancelled":
                outcomes.cancelled.append(row.id)
                return
            outcomes.dead.append((row.id, job.problem))
            DELIVERIES.labels(row.platform, "dead").inc()
            return
        if row.id in slots.later:
            outcomes.later.append((row.id, _moment(slots.later[row.id])))
            return
        sender = self.outbound.senders[row.platform]
        if not await self._pause(slots.at[row.id] - time.time()):  # wait for the slot
            outcomes.released.append(row.id)
            return
        async with self.semaphore:
            if self.stopping.is_set():
                outcomes.released.append(row.id)
                return
            if slots.missed(row.id, time.time()):
                outcomes.later.append((row.id, utcnow()))
                return
            try:
                known = await self._already_there(sender, job, row) if row.in_doubt else False
                if known:
                    outcomes.sent.append(row.id)
                    DELIVERIES.labels(row.platform, "sent").inc()
                    return
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
        if known is None:  # resent with no check possible: never again, should we die now
            await asyncio.to_thread(ledger.mark_resent, self.engine, row.id, row.claim)
        outcomes.sent.append(row.id)
        DELIVERIES.labels(row.platform, "sent").inc()

    async def _pause(self, seconds: float) -> bool:
        """Sleep, cut short by ``stop``; True unless the worker is stopping."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), seconds)
        return not self.stopping.is_set()

    async def _already_there(self, sender: Sender, job: Job, row: ledger.Claimed) -> bool | None:
        """Whether the delivery in doubt arrived: the sender's check, else True when a
        resend after an earlier doubt is known to have arrived, else None (unknown: resend;
        its arrival is recorded at once, so the row is resent at most once after that)."""
        check = getattr(sender, "delivered", None)
        if check is not None:
            answer = await check(job.user_id, job.conversation_ref, str(row.id))
            if answer is not None:
                return bool(answer)
        return True if row.resent else None

    def _failed(self, row: ledger.Claimed, exc: DeliveryError, outcomes: ledger.Outcomes) -> None:
        refused = exc.retry_after is not None or "ratelimit" in exc.reason or "429" in exc.reason
        if refused:
            RATE_LIMITED.labels(row.platform).inc()
        if exc.permanent:
            outcomes.dead.append((row.id, exc.reason))
            DELIVERIES.labels(row.platform, "dead").inc()
            return
        if row.attempts >= self.settings.attempts:
            outcomes.dead.append((row.id, f"gave up after {row.attempts} attempts: {exc.reason}"))
            DELIVERIES.labels(row.platform, "dead").inc()
            return
        when = self._next_try(row.attempts, exc.retry_after)
        outcomes.retry.append((row.id, when, exc.reason, not refused))
        DELIVERIES.labels(row.platform, "retried").inc()

    def _next_try(self, attempts: int, retry_after: float | None) -> datetime:
        backoff = self.settings.backoff_seconds * 2 ** (attempts - 1)
        delay = backoff * (0.5 + self.random())  # full-range jitter around the backoff
        return utcnow() + timedelta(seconds=max(delay, retry_after or 0.0))


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, utcnow().tzinfo)


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


async def wind_down(
    worker: DeliveryWorker, running: asyncio.Task[None], timeout: float = SHUTDOWN_S
) -> None:
    """On SIGTERM: claim nothing more, let the sends under way finish and record, release
    the claimed rows not yet sent. A send still hanging after ``timeout`` is cancelled; its
    row keeps its claim and is reconciled as in doubt once the lease lapses."""
    worker.stop()
    try:
        await asyncio.wait_for(asyncio.shield(running), timeout)
    except TimeoutError:
        log.warning("deliveries still running at shutdown; left to their leases")
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


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
