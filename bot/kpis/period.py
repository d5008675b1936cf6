"""The time window a report covers: both ends optional, ``since`` included, ``until`` not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import ColumnElement, and_, true
from sqlalchemy.sql.elements import KeyedColumnElement


@dataclass(frozen=True)
class Period:
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        # Stored times are UTC; a naive bound is taken as UTC too.
        object.__setattr__(self, "since", _utc(self.since))
        object.__setattr__(self, "until", _utc(self.until))
        if self.since and self.until and self.until <= self.since:
            raise ValueError("the period ends before it starts")

    def contains(self, column: KeyedColumnElement) -> ColumnElement[bool]:
        """SQL: ``column`` falls within the period."""
        bounds = []
        if self.since is not None:
            bounds.append(column >= self.since)
        if self.until is not None:
            bounds.append(column < self.until)
        return and_(true(), *bounds)

    def contains_day(self, column: KeyedColumnElement) -> ColumnElement[bool]:
        """SQL: a UTC day (a date column) overlaps the period: counted whole."""
        bounds = []
        if self.since is not None:
            bounds.append(column >= self.since.date())
        if self.until is not None:
            midnight = self.until.time() == time()
            day = self.until.date()
            bounds.append(column < day if midnight else column <= day)
        return and_(true(), *bounds)

    def before_end(self, column: KeyedColumnElement) -> ColumnElement[bool]:
        """SQL: ``column`` happened before the period ends (reach counts from the start)."""
        return column < self.until if self.until is not None else true()


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


ALL_TIME = Period()
