"""Durable, group-committed recording of share intents and clicks.

A redirect is answered only after its row is committed: each request puts its hit on a
queue and waits; a writer takes everything waiting, stores it in one transaction (one
lookup, one insert batch, one commit) and then releases every waiter with its answer.
Under load the batches grow, so the commit (the fsync) is shared, and nothing waits in
memory unstored once it has been answered. While a writer commits, the event loop keeps
answering HTTP and queueing the next batch.

The writer is a thread of its own holding one connection for the life of the process: a
batch pays for no pool checkout (and on PostgreSQL no ``pre_ping`` round trip). One writer
on both stores: SQLite takes one write transaction at a time anyway, and on PostgreSQL
four parallel writers split the load into batches of four instead of sixteen, for 70 %
more CPU per click and no more clicks per second (bench/redirect.py).

On PostgreSQL that one connection commits with ``synchronous_commit = off``: a commit
returns once it is in the server's WAL buffers, not once the WAL is on disk. A committed
hit survives any crash of Elçi (a replica killed) and any clean stop or restart of the
database; only a crash of the PostgreSQL server or its machine can lose the hits of the
last ~0.6 s (three ``wal_writer_delay``), and never leaves anything half-written. In
exchange, replicas no longer queue behind each other's WAL flushes: with two replicas
behind nginx, clicks went from 0.96-0.98 times one replica's throughput to 1.19-1.23
(bench/replicas.py). The connection is detached from the pool, so no other work ever
commits this way. SQLite keeps full durability: relaxing it gained nothing measurable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Literal

from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from bot import metrics
from bot.tracking.urls import destination_url, share_intent_url, tracked_url
from bot.tracking.visitors import Visitors, referrer_host
from storage.content import ContentItem
from storage.points import award
from storage.secrets import stored_key
from storage.tracking import LinkRow, ShareIntent, link_rows, store_clicks

log = logging.getLogger(__name__)
MAX_BATCH = 256
GATHER_SECONDS = 0.001  # the longest a batch waits for the hits it expects
ON_COMMIT = "elci.on_commit"  # session.info key: what to do once the batch is committed


@dataclass(frozen=True)
class Hit:
    kind: Literal["intent", "click"]
    code: str
    at: datetime
    method: str = "GET"
    user_agent: str = ""
    referrer: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Shared:
    """A first share intent on a link: worth a confirmation to its advocate."""

    person_id: int
    title: str
    network: str
    points: int


@dataclass(frozen=True)
class Outcome:
    location: str | None
    shared: Shared | None = None


@dataclass(frozen=True)
class Rules:
    public_url: str
    preview_window: timedelta
    share_points: int
    click_points: int


class _Writer:
    """One thread and the one connection it uses, so each batch starts writing at once."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="elci-links")
        self.connection: Connection | None = None

    def commit(
        self, store: Callable[[Session, list[Hit]], list[Outcome]], hits: list[Hit]
    ) -> list[Outcome]:
        """Store ``hits`` in a transaction of its own and commit it (in the writer's thread).

        After any failure the connection is dropped: the next batch starts on a fresh one,
        which is how the writer comes back by itself once the database does.
        """
        if self.connection is None:
            self.connection = _relaxed_connection(self.engine)
        try:
            with Session(bind=self.connection) as session:
                outcomes = store(session, hits)
                session.commit()
                session.info.get(ON_COMMIT, lambda: None)()
        except Exception:
            self.close()
            raise
        return outcomes

    def close(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            connection.invalidate() if connection.in_transaction() else connection.close()


def _relaxed_connection(engine: Engine) -> Connection:
    """A connection of the writer's own; on PostgreSQL, one that does not wait for the WAL
    flush at commit (see the module's docstring)."""
    connection = engine.connect()
    connection.detach()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET synchronous_commit TO off")
        connection.commit()
    return connection


class LinkRecorder:
    def __init__(self, engine: Engine, rules: Rules) -> None:
        self.engine = engine
        self.rules = rules
        self._queue: asyncio.Queue[tuple[Hit, asyncio.Future[Outcome]]] = asyncio.Queue()
        self._arrived = asyncio.Event()
        self._writer: _Writer | None = None
        self._task: asyncio.Task[None] | None = None

    async def record(self, hit: Hit) -> Outcome:
        if self._task is None:
            self._writer = _Writer(self.engine)
            self._task = asyncio.create_task(self._write_forever(self._writer))
        waiter: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((hit, waiter))
        self._arrived.set()
        return await waiter

    async def close(self) -> None:
        """Settle every hit already queued, then give the connection back."""
        await self._queue.join()
        if self._task is not None and self._writer is not None:
            self._task.cancel()
            await asyncio.get_running_loop().run_in_executor(
                self._writer.thread, self._writer.close
            )
            self._writer.thread.shutdown(wait=False)
        self._task = self._writer = None

    async def _write_forever(self, writer: _Writer) -> None:
        loop = asyncio.get_running_loop()
        expected = 1
        while True:
            batch = await self._gather(expected)
            hits = [hit for hit, _ in batch]
            try:
                outcomes = await loop.run_in_executor(
                    writer.thread, writer.commit, self.write, hits
                )
            except Exception as exc:
                log.exception("recording failed", extra={"hits": len(batch)})
                for _, waiter in batch:
                    if not waiter.done():
                        waiter.set_exception(exc)
            else:
                for (_, waiter), outcome in zip(batch, outcomes, strict=True):
                    if not waiter.done():
                        waiter.set_result(outcome)
            for _ in batch:
                self._queue.task_done()
            # Those just answered tend to click again soon (a busy page, a load test); those
            # queued meanwhile are already here.
            expected = len(batch) + self._queue.qsize()

    async def _gather(self, expected: int) -> list[tuple[Hit, asyncio.Future[Outcome]]]:
        """The next batch: everything queued and, while it holds fewer than ``expected``
        hits, what arrives within ``GATHER_SECONDS``.

        Without the wait a steady load splits in two alternating batches (the first hit
        to come back starts a commit while the rest are still on their way), which
        doubles the commits, each an fsync. A single click waits for nothing.
        """
        loop = asyncio.get_running_loop()
        batch = [await self._queue.get()]
        deadline = loop.time() + GATHER_SECONDS
        while True:
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            remaining = deadline - loop.time()
            if len(batch) >= min(expected, MAX_BATCH) or remaining <= 0:
                return batch
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._arrived.wait()

    @cached_property
    def visitors(self) -> Visitors:
        """Keyed on the deployment's stored keys, read at the first hit, not at start-up."""
        return Visitors(stored_key(self.engine, "ip-hash"), stored_key(self.engine, "advocate"))

    def write(self, session: Session, hits: list[Hit]) -> list[Outcome]:
        """Store a batch in ``session`` (committed by the caller); an unknown code gets an
        outcome with no location.

        Clicks and their points go in as two executemany statements straight to the driver
        (``store_clicks``): the per-row ORM path with a savepoint per award cost ten times
        more at the batch sizes load produces. Share intents (a person pressing a button,
        rare) keep the ORM.
        """
        outcomes: list[Outcome] = []
        clicks: list[tuple[Any, ...]] = []
        points: list[tuple[Any, ...]] = []
        links = link_rows(session.connection(), {hit.code for hit in hits})
        for hit in hits:
            link = links.get(hit.code)
            if link is None:
                outcomes.append(Outcome(None))
            elif hit.kind == "intent":
                outcomes.append(self._intent(session, hit, link))
            else:
                outcomes.append(self._click(hit, link, clicks, points))
        store_clicks(session.connection(), clicks, points)
        session.info[ON_COMMIT] = lambda: _count(hits, links, clicks)
        return outcomes

    def _intent(self, session: Session, hit: Hit, link: LinkRow) -> Outcome:
        session.add(
            ShareIntent(
                code=link.code,
                item_id=link.item_id,
                person_id=link.person_id,
                network=link.network,
                campaign_id=link.campaign_id,
                created_at=hit.at,
            )
        )
        first = award(
            session, link.person_id, "share_intent", f"intent:{link.code}", self.rules.share_points
        )
        item = session.get(ContentItem, link.item_id)
        captions = item.captions if item is not None else {}
        caption = pick_caption(captions, link.network, link.caption_index) or link.title
        location = share_intent_url(
            link.network, tracked_url(self.rules.public_url, link.code), caption
        )
        shared = (
            Shared(link.person_id, link.title, link.network, self.rules.share_points)
            if first
            else None
        )
        return Outcome(location, shared)

    def _click(
        self, hit: Hit, link: LinkRow, clicks: list[tuple[Any, ...]], points: list[tuple[Any, ...]]
    ) -> Outcome:
        agent = self.visitors.agent_class(hit.user_agent)
        ip_hash = self.visitors.ip_hash(hit.address)
        human = hit.method == "GET" and agent != "bot" and not self._too_soon(link, hit.at)
        clicks.append(  # in the order of storage.tracking.CLICK_COLUMNS
            (
                link.code,
                link.item_id,
                link.person_id,
                link.network,
                hit.method[:8],
                human,
                agent,
                referrer_host(hit.referrer),
                ip_hash,
                link.campaign_id,
                hit.at,
            )
        )
        if human and self.rules.click_points > 0:
            ref = f"click:{link.code}:{ip_hash}:{hit.at.date().isoformat()}"
            points.append((link.person_id, "human_click", ref, self.rules.click_points, hit.at))
        campaign = link.campaign or link.slug
        advocate = self.visitors.advocate(link.person_id)
        return Outcome(destination_url(link.url, link.network, campaign, advocate))

    def _too_soon(self, link: LinkRow, at: datetime) -> bool:
        return link.last_intent is not None and at - link.last_intent < self.rules.preview_window


def _count(hits: list[Hit], links: dict[str, LinkRow], clicks: list[tuple[Any, ...]]) -> None:
    """Move the share and click counters, once the batch is committed: once per label set
    and batch, not per hit (``labels`` costs microseconds)."""
    intents = Counter(
        links[hit.code].network for hit in hits if hit.kind == "intent" and hit.code in links
    )
    for network, count in intents.items():
        metrics.SHARE_INTENTS.labels(network).inc(count)
    for (network, human), count in Counter((click[3], click[5]) for click in clicks).items():
        metrics.CLICKS.labels(network, "true" if human else "false").inc(count)


def pick_caption(captions: dict, network: str, index: int) -> str | None:
    """The ``index``-th caption for ``network`` (or for any network), wrapping around."""
    texts = captions.get(network) or captions.get("any") or []
    return texts[index % len(texts)] if texts else None
