"""Durable, group-committed recording of share intents and clicks.

A redirect is answered only after its row is committed: each request puts its hit on a
queue and waits; one writer takes everything waiting, stores it in one transaction (one
lookup, one insert batch, one commit) and then releases every waiter with its answer.
Under load the batches grow, so the commit cost is shared and nothing waits in memory
unstored once it has been answered.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, Literal, cast

from sqlalchemy import Table, func, insert
from sqlalchemy import select as sql_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from bot import metrics
from bot.tracking.urls import destination_url, share_intent_url, tracked_url
from bot.tracking.visitors import Visitors, referrer_host
from storage.content import ContentItem
from storage.engine import session_scope
from storage.points import award, award_many
from storage.secrets import stored_key
from storage.tracking import Click, ShareIntent, ShareLink

log = logging.getLogger(__name__)
MAX_BATCH = 256


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
    writers: int = 1


@dataclass(frozen=True)
class _Link:
    code: str
    item_id: int
    person_id: int
    network: str
    caption_index: int
    campaign: str | None
    url: str
    slug: str
    title: str
    captions: dict
    last_intent: datetime | None


class LinkRecorder:
    def __init__(self, engine: Engine, rules: Rules) -> None:
        self.engine = engine
        self.rules = rules
        self._queue: asyncio.Queue[tuple[Hit, asyncio.Future[Outcome]]] = asyncio.Queue()
        self._writers: list[asyncio.Task[None]] = []

    async def record(self, hit: Hit) -> Outcome:
        if not self._writers:
            self._writers = [
                asyncio.create_task(self._write_forever()) for _ in range(self.rules.writers)
            ]
        waiter: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((hit, waiter))
        return await waiter

    async def close(self) -> None:
        while not self._queue.empty():
            await asyncio.sleep(0.01)
        for writer in self._writers:
            writer.cancel()
        self._writers = []

    async def _write_forever(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                outcomes = await asyncio.to_thread(self.write, [hit for hit, _ in batch])
            except Exception as exc:
                log.exception("recording failed", extra={"hits": len(batch)})
                for _, waiter in batch:
                    if not waiter.done():
                        waiter.set_exception(exc)
                continue
            for (_, waiter), outcome in zip(batch, outcomes, strict=True):
                if not waiter.done():
                    waiter.set_result(outcome)

    @cached_property
    def visitors(self) -> Visitors:
        """Keyed on the deployment's stored keys, read at the first hit, not at start-up."""
        return Visitors(stored_key(self.engine, "ip-hash"), stored_key(self.engine, "advocate"))

    def write(self, hits: list[Hit]) -> list[Outcome]:
        """Store a batch in one transaction; an unknown code gets an outcome with no location.

        Clicks and their points go in as two multi-row inserts: the per-row ORM path with a
        savepoint per award cost ten times more at the batch sizes load produces.
        """
        outcomes: list[Outcome] = []
        clicks: list[dict[str, Any]] = []
        points: list[dict[str, Any]] = []
        with session_scope(self.engine) as session:
            links = _links(session, {hit.code for hit in hits})
            for hit in hits:
                link = links.get(hit.code)
                if link is None:
                    outcomes.append(Outcome(None))
                elif hit.kind == "intent":
                    outcomes.append(self._intent(session, hit, link))
                else:
                    outcomes.append(self._click(hit, link, clicks, points))
            if clicks:
                session.execute(insert(Click), clicks)
            award_many(session, points)
        _count(hits, links, clicks)
        return outcomes

    def _intent(self, session: Session, hit: Hit, link: _Link) -> Outcome:
        session.add(
            ShareIntent(
                code=link.code,
                item_id=link.item_id,
                person_id=link.person_id,
                network=link.network,
                created_at=hit.at,
            )
        )
        first = award(
            session, link.person_id, "share_intent", f"intent:{link.code}", self.rules.share_points
        )
        caption = pick_caption(link.captions, link.network, link.caption_index) or link.title
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
        self, hit: Hit, link: _Link, clicks: list[dict[str, Any]], points: list[dict[str, Any]]
    ) -> Outcome:
        agent = self.visitors.agent_class(hit.user_agent)
        ip_hash = self.visitors.ip_hash(hit.address)
        human = hit.method == "GET" and agent != "bot" and not self._too_soon(link, hit.at)
        clicks.append({
            "code": link.code, "item_id": link.item_id, "person_id": link.person_id,
            "network": link.network, "method": hit.method[:8], "human": human,
            "agent_class": agent, "referrer_host": referrer_host(hit.referrer),
            "ip_hash": ip_hash, "created_at": hit.at,
        })  # fmt: skip
        if human and self.rules.click_points > 0:
            points.append({
                "person_id": link.person_id, "kind": "human_click",
                "points": self.rules.click_points, "created_at": hit.at,
                "ref": f"click:{link.code}:{ip_hash}:{hit.at.date().isoformat()}",
            })  # fmt: skip
        campaign = link.campaign or link.slug
        advocate = self.visitors.advocate(link.person_id)
        return Outcome(destination_url(link.url, link.network, campaign, advocate))

    def _too_soon(self, link: _Link, at: datetime) -> bool:
        return link.last_intent is not None and at - link.last_intent < self.rules.preview_window


def _count(hits: list[Hit], links: dict[str, _Link], clicks: list[dict[str, Any]]) -> None:
    """Move the share and click counters once the batch is committed."""
    for hit in hits:
        link = links.get(hit.code)
        if hit.kind == "intent" and link is not None:
            metrics.SHARE_INTENTS.labels(link.network).inc()
    for click in clicks:
        metrics.CLICKS.labels(click["network"], "true" if click["human"] else "false").inc()


def pick_caption(captions: dict, network: str, index: int) -> str | None:
    """The ``index``-th caption for ``network`` (or for any network), wrapping around."""
    texts = captions.get(network) or captions.get("any") or []
    return texts[index % len(texts)] if texts else None


def _links(session: Session, codes: set[str]) -> dict[str, _Link]:
    """One query for the whole batch, on plain columns: the hot path loads no ORM objects."""
    link, item, intent = (_table(model).c for model in (ShareLink, ContentItem, ShareIntent))
    last = (
        sql_select(intent.code, func.max(intent.created_at).label("last"))
        .where(intent.code.in_(codes))
        .group_by(intent.code)
        .subquery()
    )
    query = (
        sql_select(
            link.code,
            link.item_id,
            link.person_id,
            link.network,
            link.caption_index,
            link.campaign,
            item.url,
            item.slug,
            item.title,
            item.captions,
            last.c.last,
        )
        .join_from(_table(ShareLink), _table(ContentItem), item.id == link.item_id)
        .outerjoin(last, last.c.code == link.code)
        .where(link.code.in_(codes))
    )
    return {
        row.code: _Link(*row[:9], row.captions or {}, _aware(row.last))
        for row in session.connection().execute(query)
    }


def _table(model: type[SQLModel]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC from an aggregate, where the column type cannot help."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment
