"""Ageing out: click records older than the retention period are deleted, and the points
ledger forgets the visitor hashes those clicks left in its keys.

What stays: the points themselves (a person's total does not shrink), share intents (the
person's own act, and the share KPIs), and every other table (see ``holdings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, delete, literal, update
from sqlalchemy.engine import Engine
from sqlmodel import col

from storage.engine import session_scope
from storage.points import PointEntry
from storage.tracking import Click

CLICK_AWARD = "human_click"


@dataclass(frozen=True)
class Purged:
    """What one run destroyed, per table: rows deleted, and keys rewritten in the ledger."""

    clicks_deleted: int
    point_refs_cleared: int

    def as_log(self) -> dict[str, int]:
        return {"click": self.clicks_deleted, "pointentry_refs": self.point_refs_cleared}


def purge_clicks(engine: Engine, before: datetime) -> Purged:
    """Delete clicks made before ``before``; one transaction, so a failure deletes nothing.

    A human click's award is keyed ``click:CODE:VISITOR-HASH:DAY`` so a visitor earns the
    advocate a point once a day; past the retention that key has done its work, and it is
    rewritten to the entry's own id so no visitor hash outlives its click.
    """
    with session_scope(engine) as session:
        deleted = session.execute(delete(Click).where(col(Click.created_at) < before))
        cleared = session.execute(
            update(PointEntry)
            .where(
                col(PointEntry.kind) == CLICK_AWARD,
                col(PointEntry.created_at) < before,
                col(PointEntry.ref).startswith("click:"),
            )
            .values(ref=literal("expired:") + cast(col(PointEntry.id), String))
        )
        return Purged(deleted.rowcount or 0, cleared.rowcount or 0)  # type: ignore[attr-defined]
