"""Who was reached, and the events that count for them: share intents and human clicks.

A campaign's events are those that carry its id: the tracking layer copies the campaign
that brought a link (``ShareLink.campaign_id``, last touch) onto each intent and click as
it happens, so an item shared from the feed before the campaign, or again for a later
campaign, is credited where it belongs. The whole directory's reach counts every event.

Clicks count only when the tracking layer judged them human (a GET, not a known bot, not a
link preview fetched right after the share). Click records age out after the retention
period; what they were is kept as per-link, per-UTC-day tallies (``ClickTally``), which
every click count here adds in. Tallies know no visitor, so unique clickers cover the
retention window only, and a tally counts for a period by its whole day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Select,
    Table,
    case,
    cast,
    func,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.selectable import Subquery

from bot.kpis.period import Period
from bot.kpis.sql import day_of, has_role, seconds_between, table
from storage.click_tallies import ClickTally
from storage.people import Person
from storage.tracking import Click, ShareIntent

INTENT, CLICK, TALLY, PERSON = table(ShareIntent), table(Click), table(ClickTally), table(Person)
Kind = type[ShareIntent] | type[Click]
FEW = 500


@dataclass(frozen=True)
class Reach:
    """``reached``: a subquery with ``person_id``, ``reached_at`` (NULL when ``timed`` is
    false: reached from the start, as everyone is by the content library) and any grouping
    columns. ``campaign_id``: count only that campaign's events (None: every event)."""

    reached: Subquery
    period: Period
    campaign_id: int | None = None
    timed: bool = True  # reached at a known time: the time to first share is measured
    # Everyone on the directory: every event's person is reached, so counting events needs
    # no join to ``reached`` (which, over a million events, costs more than the count).
    everyone: bool = False

    def counted(self, kind: Kind, keys: Sequence[str]) -> Select[Any]:
        """Share intents or human clicks per ``keys`` (``person_id``, ``network``,
        ``item_id``, ``day``) as rows of the keys and ``n``."""
        if kind is ShareIntent:
            return self._grouped(INTENT, keys, func.count())
        live = self._grouped(CLICK, keys, func.count(), CLICK.c.human.is_(True))
        aged = self._grouped(TALLY, keys, func.sum(TALLY.c.clicks), TALLY.c.human.is_(True))
        both = union_all(live, aged).subquery("clicks")
        columns = [both.c[key] for key in keys]
        return select(*columns, func.sum(both.c.n).label("n")).group_by(*columns)

    def count_by(self, connection: Connection, kind: Kind, key: str) -> dict[Any, int]:
        """Share intents or human clicks per value of one key, e.g. per network."""
        rows = connection.execute(self.counted(kind, [key]).order_by(key))
        return {row[0]: int(row[1]) for row in rows}

    def shares_per_network(
        self, connection: Connection, key: str, ids: Sequence[int]
    ) -> dict[int, dict[str, int]]:
        """Share intents per network for each of ``ids`` (person or item ids, by ``key``).

        Many ids would make a long ``IN`` list: past ``FEW`` it is one pass over all."""
        query = self.counted(ShareIntent, [key, "network"])
        if len(ids) <= FEW:
            query = query.where(INTENT.c[key].in_(ids))
        found: dict[int, dict[str, int]] = {}
        for owner, network, n in connection.execute(query):
            found.setdefault(owner, {})[network] = int(n)
        return found

    def unique_clickers(self, connection: Connection) -> int:
        """Distinct visitors among the human clicks still on record (by the keyed hash of
        their address; tallies keep none)."""
        query = (
            select(func.count(func.distinct(CLICK.c.ip_hash)))
            .select_from(self._joined(CLICK))
            .where(self._counts(CLICK), CLICK.c.human.is_(True))
        )
        return int(connection.execute(query).scalar_one())

    def per_person(self) -> Subquery:
        """One row per reached person: their groups, shares, human clicks and the seconds
        from being reached to their first share (NULL when they did not share)."""
        shares = (
            select(
                INTENT.c.person_id,
                func.count().label("shares"),
                func.min(INTENT.c.created_at).label("first_share"),
            )
            .select_from(self._joined(INTENT))
            .where(self._counts(INTENT))
            .group_by(INTENT.c.person_id)
            .subquery()
        )
        clicks = self.counted(Click, ["person_id"]).subquery()
        reached = self.reached
        waited = (
            seconds_between(shares.c.first_share, reached.c.reached_at)
            if self.timed
            else cast(null(), Float)
        )
        extra = [column for column in reached.c if column.key not in ("person_id", "reached_at")]
        leadership = case((has_role(PERSON.c.roles, "leader"), "leaders"), else_="others")
        return (
            select(
                reached.c.person_id,
                *extra,
                PERSON.c.department,
                PERSON.c.location,
                leadership.label("leadership"),
                func.coalesce(shares.c.shares, 0).label("shares"),
                func.coalesce(clicks.c.n, 0).label("human_clicks"),
                waited.label("first_share_seconds"),
            )
            .select_from(reached)
            .join(PERSON, PERSON.c.id == reached.c.person_id)
            .outerjoin(shares, shares.c.person_id == reached.c.person_id)
            .outerjoin(clicks, clicks.c.person_id == reached.c.person_id)
            .subquery("per_person")
        )

    def _joined(self, events: Table) -> Any:
        if self.everyone:
            return events
        return events.join(self.reached, self.reached.c.person_id == events.c.person_id)

    def _counts(self, events: Table) -> ColumnElement[bool]:
        """The event is this reach's: within the period and, for a campaign, brought by it."""
        when = (
            self.period.contains_day(events.c.day)
            if events is TALLY
            else self.period.contains(events.c.created_at)
        )
        if self.campaign_id is None:
            return when & true()
        return when & (events.c.campaign_id == self.campaign_id)

    def _grouped(
        self, events: Table, keys: Sequence[str], amount: Any, *conditions: Any
    ) -> Select[Any]:
        columns = [_key(events, key) for key in keys]
        return (
            select(
                *(column.label(key) for column, key in zip(columns, keys, strict=True)),
                amount.label("n"),
            )
            .select_from(self._joined(events))
            .where(self._counts(events), *conditions)
            .group_by(*columns)
        )


def _key(events: Table, key: str) -> ColumnElement[Any]:
    """An event's column by name; ``day`` is the UTC day (a tally's own day)."""
    if key == "day":
        return events.c.day if events is TALLY else day_of(events.c.created_at)
    return events.c[key]
