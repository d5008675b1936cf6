"""Ageing out: click records older than the retention period are tallied per link and day,
then deleted, and the points ledger forgets the visitor hashes those clicks left in its keys.

What stays: the tallies (how many clicks, human or not, each link got each day, with
nothing about any visitor), the points themselves, share intents (the person's own act,
and the share KPIs), and every other table (see ``holdings``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import String, cast, delete, literal, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from storage.click_tallies import ClickTally
from storage.engine import session_scope
from storage.points import PointEntry
from storage.tracking import Click

CLICK_AWARD = "human_click"
TallyKey = tuple[date, str, bool, int, int, str, int | None]


@dataclass(frozen=True)
class Purged:
    """What one run destroyed or kept, per table."""

    clicks_deleted: int
    tallies_written: int
    point_refs_cleared: int

    def as_log(self) -> dict[str, int]:
        return {
            "click": self.clicks_deleted,
            "clicktally": self.tallies_written,
            "pointentry_refs": self.point_refs_cleared,
        }


def retention_cutoff(now: datetime, retention: timedelta) -> datetime:
    """Midnight UTC, ``retention`` ago: whole days age out together, so each is tallied once."""
    return datetime.combine(now.astimezone(UTC).date(), time(), UTC) - retention


def purge_clicks(engine: Engine, before: datetime) -> Purged:
    """Tally, then delete, the clicks made before ``before``; one transaction, so a failure
    deletes nothing.

    A human click's award is keyed ``click:CODE:VISITOR-HASH:DAY`` so a visitor earns the
    advocate a point once a day; past the retention that key has done its work, and it is
    rewritten to the entry's own id so no visitor hash outlives its click.
    """
    with session_scope(engine) as session:
        connection = session.connection()
        tallies = _tally(connection, before)
        _add_tallies(connection, tallies)
        deleted = connection.execute(delete(Click).where(col(Click.created_at) < before))
        cleared = connection.execute(
            update(PointEntry)
            .where(
                col(PointEntry.kind) == CLICK_AWARD,
                col(PointEntry.created_at) < before,
                col(PointEntry.ref).startswith("click:"),
            )
            .values(ref=literal("expired:") + cast(col(PointEntry.id), String))
        )
        return Purged(deleted.rowcount or 0, len(tallies), cleared.rowcount or 0)


def _tally(connection: Connection, before: datetime) -> Counter[TallyKey]:
    """Clicks per (UTC day, link, human): counted here rather than in SQL, where taking the
    UTC day of a timestamp differs between SQLite and PostgreSQL."""
    query = select(
        col(Click.created_at), col(Click.code), col(Click.human), col(Click.item_id),
        col(Click.person_id), col(Click.network), col(Click.campaign_id),
    ).where(col(Click.created_at) < before)  # fmt: skip
    tallies: Counter[TallyKey] = Counter()
    for at, *rest in connection.execute(query.execution_options(yield_per=10_000)):
        day = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).date()
        tallies[(day, *rest)] += 1  # type: ignore[index]
    return tallies


def _add_tallies(connection: Connection, tallies: Counter[TallyKey]) -> None:
    """Insert the tallies; a (day, link, human) already tallied gets the new clicks added."""
    if not tallies:
        return
    names = ("day", "code", "human", "item_id", "person_id", "network", "campaign_id")
    rows = [{**dict(zip(names, key, strict=True)), "clicks": n} for key, n in tallies.items()]
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(ClickTally)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "code", "human"],
            set_={"clicks": col(ClickTally.clicks) + statement.excluded.clicks},
        ),
        rows,
    )
