"""The delivery ledger: campaigns created, started (the audience written as one row per
person in the same transaction), claimed in leased batches, and every outcome recorded.

Claiming is one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)``: on PostgreSQL
any number of workers take disjoint batches; on SQLite the statement runs under the one
write lock, so workers in several processes still never share a row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col
from sqlmodel import select as select_rows

from bot.audience import matches, parse
from bot.config import Config
from bot.delivery.hours import next_slot
from bot.delivery.settings import CampaignSettings
from storage.campaigns import Campaign, Delivery
from storage.content import ContentItem
from storage.engine import session_scope
from storage.people import Person, PlatformAccount, utcnow

FAR_FUTURE = datetime(9999, 1, 1, tzinfo=utcnow().tzinfo)
PENDING = ("pending", "claimed", "held")


KPIS = ("shares", "human_clicks", "participation_rate", "time_to_first_share_hours")
"""The targets a campaign may set (participation as a fraction of the audience, 0..1)."""


class CampaignError(ValueError):
    """Bad input for a campaign; nothing was stored."""


def parse_kpis(pairs: Iterable[str]) -> dict[str, float]:
    """``NAME=NUMBER`` pairs, names from ``KPIS``; raises ``CampaignError``."""
    targets: dict[str, float] = {}
    for pair in pairs:
        name, _, number = pair.partition("=")
        name = name.strip().lower().replace("-", "_")
        if name not in KPIS:
            raise CampaignError(f"unknown KPI {name!r}; known: {', '.join(KPIS)}")
        try:
            value = float(number)
        except ValueError as exc:
            raise CampaignError(f"KPI {name}: {number!r} is not a number") from exc
        if value < 0 or (name == "participation_rate" and value > 1):
            raise CampaignError(f"KPI {name}: {number} is out of range")
        targets[name] = value
    return targets


@dataclass(frozen=True)
class NewCampaign:
    name: str
    content_ids: Sequence[int]
    audience: Sequence[str] = ()
    message: str = ""
    start_at: datetime | None = None
    purpose: str = ""
    kpis: dict[str, Any] | None = None
    pilot: Sequence[str] = ()
    rest_after_minutes: int | None = None
    created_by: int | None = None


@dataclass(frozen=True)
class Claimed:
    id: int
    campaign_id: int
    person_id: int
    platform: str
    attempts: int
    doubts: int
    in_doubt: bool
    claim: str
    resent: bool = False  # a resend after doubt is known to have arrived


def create(engine: Engine, config: Config, new: NewCampaign) -> Campaign:
    departments = [department.key for department in config.departments]
    if not new.name.strip():
        raise CampaignError("a campaign needs a name")
    if not new.content_ids:
        raise CampaignError("a campaign needs at least one content item")
    audience = parse(new.audience, departments)
    pilot = parse(new.pilot, departments)
    with session_scope(engine) as session:
        for item_id in new.content_ids:
            if session.get(ContentItem, item_id) is None:
                raise CampaignError(f"no content item {item_id}")
        campaign = Campaign(
            name=new.name.strip(),
            purpose=new.purpose,
            kpis=dict(new.kpis or {}),
            content_ids=list(new.content_ids),
            message=new.message,
            audience=audience,
            pilot=pilot,
            rest_after_minutes=new.rest_after_minutes,
            start_at=new.start_at,
            status="scheduled" if new.start_at else "draft",
            created_by=new.created_by,
        )
        session.add(campaign)
        session.flush()
        session.refresh(campaign)
    return campaign


def get(engine: Engine, campaign_id: int) -> Campaign | None:
    with session_scope(engine) as session:
        return session.get(Campaign, campaign_id)


def list_campaigns(engine: Engine, limit: int = 20) -> list[Campaign]:
    with session_scope(engine) as session:
        query = select(Campaign).order_by(col(Campaign.id).desc()).limit(limit)
        return list(session.exec(query).scalars().all())  # type: ignore[call-overload]


def plan(session: Session, campaign: Campaign, platforms: Iterable[str]) -> list[dict[str, Any]]:
    """Who gets it, on which platform: one row per person in the audience, on the most
    recently used account this process can send to (``platform`` "" when none)."""
    reachable = set(platforms)
    latest: dict[int, tuple[datetime, str]] = {}
    for account in session.exec(
        select(PlatformAccount).where(col(PlatformAccount.person_id).is_not(None))
    ).scalars():  # type: ignore[call-overload]
        if account.platform not in reachable or account.person_id is None:
            continue
        known = latest.get(account.person_id)
        if known is None or account.updated_at > known[0]:
            latest[account.person_id] = (account.updated_at, account.platform)
    rows = []
    people = select(Person).where(col(Person.erased_at).is_(None))  # tombstones get nothing
    for person in session.exec(people).scalars():  # type: ignore[call-overload]
        if not matches(person, campaign.audience):
            continue
        assert person.id is not None
        pilot = bool(campaign.pilot) and matches(person, campaign.pilot)
        platform = latest.get(person.id, (None, ""))[1]
        rows.append(
            {"person_id": person.id, "platform": platform, "wave": 0 if pilot else 1,
             "timezone": person.timezone}
        )  # fmt: skip
    return rows


def start(
    engine: Engine,
    campaign_id: int,
    platforms: Iterable[str],
    settings: CampaignSettings,
    now: datetime | None = None,
) -> dict[str, int] | None:
    """Write the ledger and mark the campaign sending, in one transaction; returns the
    audience size per platform ("" for the unreachable), or None when it was not startable
    (already started, cancelled, unknown)."""
    now = now or utcnow()
    with session_scope(engine) as session:
        taken = session.connection().execute(
            update(Campaign)
            .where(
                col(Campaign.id) == campaign_id, col(Campaign.status).in_(("draft", "scheduled"))
            )
            .values(status="sending", started_at=now)
        )
        if taken.rowcount != 1:
            return None
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        rows = plan(session, campaign, platforms)
        has_pilot = any(row["wave"] == 0 for row in rows)
        values = []
        sizes: dict[str, int] = {}
        for row in rows:
            sizes[row["platform"]] = sizes.get(row["platform"], 0) + 1
            status, not_before, error = "pending", now, None
            if not row["platform"]:
                status, error = "dead", "not reachable on any platform"
            elif has_pilot and row["wave"] == 1:
                status = "held"
            if status == "pending":
                not_before = next_slot(now, row["timezone"], settings.hours)
            values.append(
                {"campaign_id": campaign_id, "person_id": row["person_id"],
                 "platform": row["platform"], "wave": row["wave"], "status": status,
                 "not_before": not_before, "attempts": 0, "doubts": 0, "error": error,
                 "created_at": now}
            )  # fmt: skip
        values = _interleaved(values)
        for chunk in range(0, len(values), 1000):
            session.connection().execute(insert(Delivery), values[chunk : chunk + 1000])
    return sizes


def _interleaved(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Platforms taken in turn, so that a claimed batch keeps every platform's (separate)
    rate limit busy instead of draining one platform after the other."""
    by_platform: dict[str, list[dict[str, Any]]] = {}
    for value in values:
        by_platform.setdefault(value["platform"], []).append(value)
    queues = list(by_platform.values())
    longest = max((len(queue) for queue in queues), default=0)
    return [queue[n] for n in range(longest) for queue in queues if n < len(queue)]


def release_rest(
    engine: Engine, campaign_id: int, settings: CampaignSettings, now: datetime | None = None
) -> int:
    """Let the rest of the audience follow the pilot wave (HR approved, or the delay passed)."""
    now = now or utcnow()
    with session_scope(engine) as session:
        held = session.exec(
            select(col(Delivery.id), col(Person.timezone))
            .join(Person, col(Person.id) == col(Delivery.person_id))
            .where(col(Delivery.campaign_id) == campaign_id, col(Delivery.status) == "held")
        ).all()  # type: ignore[call-overload]
        for delivery_id, timezone in held:
            session.connection().execute(
                update(Delivery)
                .where(col(Delivery.id) == delivery_id, col(Delivery.status) == "held")
                .values(status="pending", not_before=next_slot(now, timezone, settings.hours))
            )
        session.connection().execute(
            update(Campaign).where(col(Campaign.id) == campaign_id).values(rest_approved=True)
        )
    return len(held)


def cancel(engine: Engine, campaign_id: int) -> bool:
    """Stop further sends: every row not yet claimed is cancelled; in-flight ones finish."""
    with session_scope(engine) as session:
        done = session.connection().execute(
            update(Campaign)
            .where(col(Campaign.id) == campaign_id, col(Campaign.status).not_in(("cancelled",)))
            .values(status="cancelled")
        )
        session.connection().execute(
            update(Delivery)
            .where(
                col(Delivery.campaign_id) == campaign_id,
                col(Delivery.status).in_(("pending", "held")),
            )
            .values(status="cancelled")
        )
        return done.rowcount == 1


def replay(engine: Engine, campaign_id: int, now: datetime | None = None) -> int:
    """Put the dead letters (permanent failures) back in the queue, attempts reset."""
    with session_scope(engine) as session:
        result = session.connection().execute(
            update(Delivery)
            .where(col(Delivery.campaign_id) == campaign_id, col(Delivery.status) == "dead")
            .where(col(Delivery.platform) != "")
            .values(status="pending", attempts=0, error=None, not_before=now or utcnow())
        )
        session.connection().execute(
            update(Campaign)
            .where(col(Campaign.id) == campaign_id, col(Campaign.status) == "done")
            .values(status="sending")
        )
        return int(result.rowcount)


def claim(
    engine: Engine, batch: int, lease: timedelta, now: datetime | None = None
) -> list[Claimed]:
    """Take up to ``batch`` due rows (pending and due, or claimed with a lapsed lease: in
    doubt) under a fresh lease."""
    now = now or utcnow()
    token = uuid.uuid4().hex
    due = or_(
        and_(col(Delivery.status) == "pending", col(Delivery.not_before) <= now),
        and_(col(Delivery.status) == "claimed", col(Delivery.lease_until) < now),
    )
    chosen = (
        select(col(Delivery.id)).where(due).order_by(col(Delivery.id)).limit(batch)
        .with_for_update(skip_locked=True)
    )  # fmt: skip
    with session_scope(engine) as session:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            # Two statements: PostgreSQL may run a LIMIT subquery inside IN more than once,
            # and with SKIP LOCKED each run would find other rows.
            ids: Any = [row[0] for row in connection.execute(chosen).all()]
            if not ids:
                return []
        else:
            ids = chosen.scalar_subquery()  # one statement under SQLite's write lock
        connection.execute(
            update(Delivery)
            .where(col(Delivery.id).in_(ids), due)
            .values(
                claim=token,
                lease_until=now + lease,
                attempts=col(Delivery.attempts) + 1,
                doubts=col(Delivery.doubts) + case((col(Delivery.status) == "claimed", 1), else_=0),
                status="claimed",
            )
            .execution_options(synchronize_session=False)
        )
        rows = session.exec(select_rows(Delivery).where(col(Delivery.claim) == token)).all()
        return [
            Claimed(
                id=row.id or 0, campaign_id=row.campaign_id, person_id=row.person_id,
                platform=row.platform, attempts=row.attempts, doubts=row.doubts,
                in_doubt=row.doubts > 0 and row.sent_at is None, claim=token,
                resent=row.resent_at is not None,
            )
            for row in rows
        ]  # fmt: skip


@dataclass
class Outcomes:
    """What one batch came to, written back in one transaction, only to rows the batch's
    claim still holds (a worker whose lease lapsed must not overwrite its successor)."""

    claim: str
    sent: list[int]
    # ``maybe_arrived``: the failure does not say the message was refused (a timeout, a
    # 5xx, unlike a 429), so the row is in doubt and reconciled before it is resent.
    retry: list[tuple[int, datetime, str, bool]]
    dead: list[tuple[int, str]]
    cancelled: list[int]
    # Not tried, so the claim does not count as an attempt: ``later`` (its conversation is
    # busy until then) and ``released`` (the worker is shutting down; due again at once).
    later: list[tuple[int, datetime]]
    released: list[int]

    @classmethod
    def empty(cls, claim: str) -> Outcomes:
        return cls(claim, [], [], [], [], [], [])


def record(engine: Engine, outcomes: Outcomes, now: datetime | None = None) -> None:
    now = now or utcnow()
    with session_scope(engine) as session:
        connection = session.connection()
        held = (col(Delivery.status) == "claimed", col(Delivery.claim) == outcomes.claim)
        if outcomes.sent:
            connection.execute(
                update(Delivery)
                .where(col(Delivery.id).in_(outcomes.sent), *held)
                .values(status="sent", sent_at=now, claim=None, lease_until=None, error=None)
            )
        if outcomes.cancelled:
            connection.execute(
                update(Delivery)
                .where(col(Delivery.id).in_(outcomes.cancelled), *held)
                .values(status="cancelled", claim=None, lease_until=None)
            )
        for delivery_id, when, error, maybe_arrived in outcomes.retry:
            connection.execute(
                update(Delivery)
                .where(col(Delivery.id) == delivery_id, *held)
                .values(status="pending", not_before=when, claim=None, lease_until=None,
                        error=error[:500],
                        doubts=col(Delivery.doubts) + (1 if maybe_arrived else 0))
            )  # fmt: skip
        untried = {"status": "pending", "claim": None, "lease_until": None,
                   "attempts": col(Delivery.attempts) - 1}  # fmt: skip
        if outcomes.released:
            connection.execute(
                update(Delivery)
                .where(col(Delivery.id).in_(outcomes.released), *held)
                .values(not_before=now, **untried)
            )
        for delivery_id, when in outcomes.later:
            connection.execute(
                update(Delivery)
                .where(col(Delivery.id) == delivery_id, *held)
                .values(not_before=when, **untried)
            )
        for delivery_id, reason in outcomes.dead:
            connection.execute(
                update(Delivery)
                .where(col(Delivery.id) == delivery_id, *held)
                .values(status="dead", claim=None, lease_until=None, error=reason[:500])
            )


def mark_resent(engine: Engine, delivery_id: int, claim: str) -> None:
    """Record that a resend after doubt arrived, for rows no check can clear (Teams):
    should the worker die before recording the batch, the row is not resent again."""
    with session_scope(engine) as session:
        session.connection().execute(
            update(Delivery)
            .where(col(Delivery.id) == delivery_id, col(Delivery.claim) == claim)
            .values(resent_at=utcnow())
        )


def finish_campaigns(engine: Engine) -> None:
    """Campaigns with nothing left to send become done."""
    with session_scope(engine) as session:
        open_rows = (
            select(func.count()).select_from(Delivery)
            .where(col(Delivery.campaign_id) == col(Campaign.id), col(Delivery.status).in_(PENDING))
            .scalar_subquery()
        )  # fmt: skip
        session.connection().execute(
            update(Campaign)
            .where(col(Campaign.status) == "sending", open_rows == 0)
            .values(status="done")
        )


def counts(engine: Engine, campaign_id: int) -> dict[str, Any]:
    """``total, sent, failed, pending, cancelled`` and the same per platform."""
    with session_scope(engine) as session:
        grouped = session.exec(
            select(col(Delivery.platform), col(Delivery.status), func.count())
            .where(col(Delivery.campaign_id) == campaign_id)
            .group_by(col(Delivery.platform), col(Delivery.status))
        ).all()  # type: ignore[call-overload]
    result: dict[str, Any] = {"total": 0, "sent": 0, "failed": 0, "pending": 0, "cancelled": 0}
    platforms: dict[str, dict[str, int]] = {}
    for platform, status, number in grouped:
        key = {"dead": "failed", "claimed": "pending", "held": "pending"}.get(status, status)
        result["total"] += number
        result[key] += number
        slot = platforms.setdefault(platform or "none", {"sent": 0, "failed": 0, "pending": 0,
                                                         "cancelled": 0})  # fmt: skip
        slot[key] += number
    result["platforms"] = platforms
    return result


def queue_depth(engine: Engine) -> dict[str, int]:
    """Rows waiting or in flight, per platform (for /metrics)."""
    with session_scope(engine) as session:
        grouped = session.exec(
            select(col(Delivery.platform), func.count())
            .where(col(Delivery.status).in_(("pending", "claimed")))
            .group_by(col(Delivery.platform))
        ).all()  # type: ignore[call-overload]
    return {platform: number for platform, number in grouped}


def due_campaigns(engine: Engine, now: datetime | None = None) -> list[int]:
    """Scheduled campaigns whose time has come."""
    now = now or utcnow()
    with session_scope(engine) as session:
        ids = session.exec(
            select(col(Campaign.id)).where(
                col(Campaign.status) == "scheduled", col(Campaign.start_at) <= now
            )
        ).all()  # type: ignore[call-overload]
    return [int(row[0]) for row in ids]


def waves_due(engine: Engine, now: datetime | None = None) -> list[int]:
    """Sending campaigns whose pilot has had its delay and whose rest is still held."""
    now = now or utcnow()
    with session_scope(engine) as session:
        rows = session.exec(
            select(
                col(Campaign.id), col(Campaign.started_at), col(Campaign.rest_after_minutes)
            ).where(
                col(Campaign.status) == "sending",
                col(Campaign.rest_approved).is_(False),
                col(Campaign.rest_after_minutes).is_not(None),
            )
        ).all()  # type: ignore[call-overload]
    due = []
    for campaign_id, started, minutes in rows:
        if started is not None and _aware(started) + timedelta(minutes=minutes) <= now:
            due.append(int(campaign_id))
    return due


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)
