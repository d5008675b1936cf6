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
from typing import Literal

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.tracking.urls import destination_url, share_intent_url, tracked_url
from bot.tracking.visitors import Visitors, referrer_host
from storage.content import ContentItem
from storage.engine import session_scope
from storage.points import award
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
        self._writer: asyncio.Task[None] | None = None

    async def record(self, hit: Hit) -> Outcome:
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_forever())
        waiter: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((hit, waiter))
        return await waiter

    async def close(self) -> None:
        if self._writer is not None:
            while not self._queue.empty():
                await asyncio.sleep(0.01)
            self._writer.cancel()
            self._writer = None

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
        """Store a batch in one transaction; an unknown code gets an outcome with no location."""
        with session_scope(self.engine) as session:
            links = _links(session, {hit.code for hit in hits})
            return [self._one(session, hit, links.get(hit.code)) for hit in hits]

    def _one(self, session: Session, hit: Hit, link: _Link | None) -> Outcome:
        if link is None:
            return Outcome(None)
        if hit.kind == "intent":
            return self._intent(session, hit, link)
        return self._click(session, hit, link)

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

    def _click(self, session: Session, hit: Hit, link: _Link) -> Outcome:
        agent = self.visitors.agent_class(hit.user_agent)
        ip_hash = self.visitors.ip_hash(hit.address)
        human = hit.method == "GET" and agent != "bot" and not self._too_soon(link, hit.at)
        session.add(
            Click(
                code=link.code,
                item_id=link.item_id,
                person_id=link.person_id,
                network=link.network,
                method=hit.method[:8],
                human=human,
                agent_class=agent,
                referrer_host=referrer_host(hit.referrer),
                ip_hash=ip_hash,
                created_at=hit.at,
            )
        )
        if human:
            visitor = f"click:{link.code}:{ip_hash}:{hit.at.date().isoformat()}"
            award(session, link.person_id, "human_click", visitor, self.rules.click_points)
        campaign = link.campaign or link.slug
        advocate = self.visitors.advocate(link.person_id)
        return Outcome(destination_url(link.url, link.network, campaign, advocate))

    def _too_soon(self, link: _Link, at: datetime) -> bool:
        return link.last_intent is not None and at - link.last_intent < self.rules.preview_window


def pick_caption(captions: dict, network: str, index: int) -> str | None:
    """The ``index``-th caption for ``network`` (or for any network), wrapping around."""
    texts = captions.get(network) or captions.get("any") or []
    return texts[index % len(texts)] if texts else None


def _links(session: Session, codes: set[str]) -> dict[str, _Link]:
    last = (
        sql_select(col(ShareIntent.code), func.max(ShareIntent.created_at).label("last"))
        .where(col(ShareIntent.code).in_(codes))
        .group_by(col(ShareIntent.code))
        .subquery()
    )
    query = (
        sql_select(  # type: ignore[call-overload]
            ShareLink,
            ContentItem.url,
            ContentItem.slug,
            ContentItem.title,
            ContentItem.captions,
            last.c.last,
        )
        .join(ContentItem, col(ContentItem.id) == col(ShareLink.item_id))
        .outerjoin(last, last.c.code == col(ShareLink.code))
        .where(col(ShareLink.code).in_(codes))
    )
    found = {}
    for link, url, slug, title, captions, last_intent in session.execute(query).all():
        found[link.code] = _Link(
            link.code,
            link.item_id,
            link.person_id,
            link.network,
            link.caption_index,
            link.campaign,
            url,
            slug,
            title,
            captions or {},
            _aware(last_intent),
        )
    return found


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC from an aggregate, where the column type cannot help."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment
