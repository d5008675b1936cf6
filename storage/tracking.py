"""First-party share tracking: one unguessable link per (item, person, network), the share
intents recorded when it is used, and the clicks on the shared link.

Clicks keep no raw IP and no email: a keyed hash of the truncated address at most, and
the advocate only by person id inside our own database.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Index, UniqueConstraint, bindparam, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Field, Session, SQLModel, col, select

from storage.people import utcnow
from storage.points import PointEntry


class ShareLink(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("item_id", "person_id", "network"),)

    code: str = Field(primary_key=True, max_length=32)
    item_id: int = Field(foreign_key="contentitem.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    network: str = Field(max_length=16)
    caption_index: int = Field(default=0)
    campaign: str | None = Field(default=None, max_length=120)  # utm_campaign, when set
    # The campaign that last brought this item to this person (last touch): intents and
    # clicks copy it when they happen, so each counts for the campaign of its moment.
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class ShareIntent(SQLModel, table=True):
    # Per person, with the time: shares and first shares per person read the index alone.
    __table_args__ = (Index("ix_shareintent_person_created", "person_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(foreign_key="sharelink.code", index=True, max_length=32)
    item_id: int = Field(foreign_key="contentitem.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    network: str = Field(max_length=16)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Click(SQLModel, table=True):
    # Per person, with the verdict: human clicks per person read the index alone.
    __table_args__ = (Index("ix_click_person_human", "person_id", "human"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(foreign_key="sharelink.code", index=True, max_length=32)
    item_id: int = Field(foreign_key="contentitem.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    network: str = Field(max_length=16)
    method: str = Field(default="GET", max_length=8)
    human: bool = Field(default=True)
    agent_class: str = Field(default="other", max_length=16)
    referrer_host: str | None = Field(default=None, max_length=255)
    ip_hash: str | None = Field(default=None, max_length=32)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)


def links_for(
    session: Session,
    item_id: int,
    person_id: int,
    networks: Sequence[str],
    make_code: Callable[[], str],
    campaign: tuple[int, str] | None = None,
) -> dict[str, ShareLink]:
    """This person's link for each network, created on first need.

    A new link starts its caption rotation at the person's id, so colleagues are offered
    different captions for the same item. ``campaign`` (id, slug) marks the links as
    brought by that campaign, from now on (see ``ShareLink.campaign_id``).
    """
    found = links_for_many(session, [(item_id, person_id)], networks, make_code, campaign)
    return found[(item_id, person_id)]


def links_for_many(
    session: Session,
    pairs: Collection[tuple[int, int]],
    networks: Sequence[str],
    make_code: Callable[[], str],
    campaign: tuple[int, str] | None = None,
) -> dict[tuple[int, int], dict[str, ShareLink]]:
    """``links_for`` for many (item id, person id) pairs at once: a campaign's batch.

    A read, one insert of what is missing (skipping what a concurrent view created
    meanwhile) and a read again: a few statements per batch, and none that writes when
    nothing is new. No savepoints: on SQLite the first one of a transaction commits on
    release, an fsync per link.
    """
    items = {item_id for item_id, _ in pairs}
    people = {person_id for _, person_id in pairs}
    stored = select(ShareLink).where(
        col(ShareLink.item_id).in_(items),
        col(ShareLink.person_id).in_(people),
        col(ShareLink.network).in_(networks),
    )

    def read() -> dict[tuple[int, int], dict[str, ShareLink]]:
        found: dict[tuple[int, int], dict[str, ShareLink]] = {pair: {} for pair in pairs}
        for link in session.exec(stored):
            if (link.item_id, link.person_id) in found:  # not another pair's item of theirs
                found[(link.item_id, link.person_id)][link.network] = link
        return found

    found = read()
    marked = {"campaign_id": campaign[0], "campaign": campaign[1]} if campaign else {}
    rows = [
        {"code": make_code(), "item_id": item_id, "person_id": person_id, "network": network,
         "caption_index": person_id, "created_at": utcnow(), **marked}
        for (item_id, person_id), links in found.items()
        for network in networks
        if network not in links
    ]  # fmt: skip
    if rows:  # one statement, compiled once, run by the driver for every row
        connection = session.connection()
        connection.execute(_insert_new(connection), rows)
        found = read()
    if campaign is not None:
        for link in (link for links in found.values() for link in links.values()):
            if (link.campaign_id, link.campaign) != campaign:  # else the flush has no work
                link.campaign_id, link.campaign = campaign
    return {
        pair: {network: links[network] for network in networks} for pair, links in found.items()
    }


def _insert_new(connection: Connection) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for share links, in the store's own dialect."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(ShareLink).on_conflict_do_nothing()


def rotate_captions(session: Session, item_id: int, person_id: int) -> None:
    """ "Another caption": every network's link of this person moves to the next one."""
    session.execute(
        update(ShareLink)
        .where(col(ShareLink.item_id) == item_id, col(ShareLink.person_id) == person_id)
        .values(caption_index=col(ShareLink.caption_index) + 1)
    )


@dataclass(frozen=True)
class LinkRow:
    """What recording a hit needs of its link and item, read for a whole batch at once."""

    code: str
    item_id: int
    person_id: int
    network: str
    caption_index: int
    campaign: str | None
    campaign_id: int | None
    url: str
    slug: str
    title: str
    last_intent: datetime | None  # the latest share intent: clicks right after are previews

    def __post_init__(self) -> None:
        object.__setattr__(self, "last_intent", _utc(self.last_intent))


_LINK_ROWS = (
    text(
        "SELECT l.code, l.item_id, l.person_id, l.network, l.caption_index, l.campaign,"
        " l.campaign_id, i.url, i.slug, i.title,"
        " (SELECT MAX(s.created_at) FROM shareintent s WHERE s.code = l.code) AS last_intent"
        " FROM sharelink l JOIN contentitem i ON i.id = l.item_id"
        " WHERE l.code IN :codes"
    )
    .bindparams(bindparam("codes", expanding=True))
    .columns(last_intent=DateTime)
)
CLICK_COLUMNS = (
    "code", "item_id", "person_id", "network", "method", "human", "agent_class",
    "referrer_host", "ip_hash", "campaign_id", "created_at",
)  # fmt: skip
POINT_COLUMNS = ("person_id", "kind", "ref", "points", "created_at")


def link_rows(connection: Connection, codes: Collection[str]) -> dict[str, LinkRow]:
    """One statement per batch of hits, on plain columns: the hot path builds no ORM objects
    and no query per request (an aggregate over an index for the latest intent). Rows are
    read as tuples in ``LinkRow``'s field order: read by name, through SQLAlchemy's mappings,
    they cost the writer more than the query itself (cProfile)."""
    rows = connection.execute(_LINK_ROWS, {"codes": list(codes)}).all()
    return {row[0]: LinkRow(*row) for row in rows}


def store_clicks(
    connection: Connection, clicks: list[tuple[Any, ...]], points: list[tuple[Any, ...]]
) -> None:
    """A batch of clicks (``CLICK_COLUMNS``) and the points they earn (``POINT_COLUMNS``;
    an award already made is skipped): one executemany each, straight to the driver.

    The last column of both is the moment, which goes in as the dialect stores it. This
    skips SQLAlchemy's per-row parameter handling, most of the writer's time at the batch
    sizes load produces; psycopg pipelines an executemany into one round trip.
    """
    dialect = connection.dialect
    stamp = DateTime().dialect_impl(dialect).bind_processor(dialect) or (lambda moment: moment)
    _insert(connection, Click, CLICK_COLUMNS, [(*row[:-1], stamp(row[-1])) for row in clicks])
    _insert(
        connection,
        PointEntry,
        POINT_COLUMNS,
        [(*row[:-1], stamp(row[-1])) for row in points],
        " ON CONFLICT DO NOTHING",
    )


def _insert(
    connection: Connection,
    model: type[SQLModel],
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    suffix: str = "",
) -> None:
    if not rows:
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    table = model.__tablename__  # type: ignore[attr-defined]
    connection.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
        + suffix,
        rows,
    )


def _utc(moment: datetime | None) -> datetime | None:
    """Both stores hand back naive UTC here (SQLite from an aggregate, PostgreSQL from a
    ``timestamp`` column); our clock is aware UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment
