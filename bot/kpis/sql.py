"""Portable SQL pieces the KPI queries share: time between two timestamps, the median,
the calendar day, a role test on the JSON list, and the rows of a table as Core columns.

SQLite and PostgreSQL spell these differently; each piece compiles to the right form for
the dialect, so every query stays one statement that runs on both stores.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    String,
    Table,
    and_,
    case,
    func,
    or_,
    select,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import Subquery
from sqlmodel import SQLModel

HOUR = 3600.0


def hours(seconds: Any) -> float | None:
    """Seconds as read from either store (float, Decimal or None) to hours, 2 decimals."""
    return None if seconds is None else round(float(seconds) / HOUR, 2)


def table(model: type[SQLModel]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


class seconds_between(FunctionElement[float]):
    """``later - earlier`` in seconds, as a float."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def ranked(source: Subquery, value: str, keys: Sequence[str] = ()) -> Subquery:
    """``source`` with two more columns for ``median``: ``place``, the rank of ``value``
    within its group of ``keys`` (NULLs last on both stores), and ``timed``, how many
    values in the group are not NULL."""
    column = source.c[value]
    group = [source.c[key] for key in keys] or None
    return select(
        source,
        func.row_number()
        .over(partition_by=group, order_by=[column.is_(None), column])
        .label("place"),
        func.count(column).over(partition_by=group).label("timed"),
    ).subquery("ranked")


def median(ranked: Subquery, value: str) -> ColumnElement[Any]:
    """SQL aggregate over a ``ranked`` subquery: the median of ``value``, NULLs ignored.

    SQLite has no ``percentile_cont``, so the same form serves both stores: average the
    middle one or two of the numbered values."""
    place, timed, column = ranked.c.place, ranked.c.timed, ranked.c[value]
    middle = and_(column.is_not(None), or_(place == (timed + 1) // 2, place == (timed + 2) // 2))
    return func.avg(case((middle, column)))


def median_by(source: Subquery, value: str, key: str | None = None) -> Select[Any]:
    """SQL: the median of ``source.value``, per ``source.key`` when given."""
    numbered = ranked(source, value, [key] if key else [])
    grouped = [numbered.c[key]] if key else []
    return select(*grouped, median(numbered, value).label("median")).group_by(*grouped)


def day_of(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQL: the UTC calendar day of a timestamp (``date()`` on both stores)."""
    return func.date(column)


def as_date(value: date | str) -> date:
    """SQLite returns ``date()`` as text, PostgreSQL as a date."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def has_role(roles: ColumnElement[Any], role: str) -> ColumnElement[bool]:
    """SQL: the JSON list of roles holds ``role`` (both stores keep the JSON text as written)."""
    return sql_cast(roles, String).like(f'%"{role}"%')


def in_ids(column: ColumnElement[Any], ids: list[int] | None) -> ColumnElement[bool]:
    """SQL: ``column`` is one of ``ids``; ``None`` means any."""
    return column.in_(ids) if ids is not None else and_(True)
