"""Where a person's email appears in other people's rows: as their manager in the
directory, and as a ``person:EMAIL`` audience selector of campaigns and content items.

Erasure rewrites these to the tombstone's address rather than dropping them: an audience
that lost its only selector would mean "everyone".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlmodel import col

from storage.people import Person
from storage.tables import metadata

SELECTOR_COLUMNS = (("campaign", ("audience", "pilot")), ("contentitem", ("audience",)))


@dataclass(frozen=True)
class Mention:
    table: str
    id: int
    column: str


def managed_by(connection: Connection, email: str) -> list[str]:
    """The emails of the people whose manager this is."""
    query = select(col(Person.email)).where(col(Person.manager_email) == email)
    return list(connection.execute(query).scalars())


def forget_manager(connection: Connection, email: str) -> int:
    query = update(Person).where(col(Person.manager_email) == email).values(manager_email=None)
    return connection.execute(query).rowcount or 0


def selectors_naming(connection: Connection, email: str) -> Iterator[tuple[Mention, list[str]]]:
    """Every audience list holding ``person:EMAIL``, with the list as stored. The tables are
    HR's small lists, so they are read whole rather than queried inside JSON."""
    wanted = f"person:{email}"
    for name, columns in SELECTOR_COLUMNS:
        table = metadata.tables[name]
        for row in connection.execute(select(table.c.id, *(table.c[c] for c in columns))):
            for column in columns:
                values = list(getattr(row, column) or [])
                if wanted in values:
                    yield Mention(table.name, row.id, column), values


def rewrite_selectors(connection: Connection, email: str, replacement: str) -> int:
    """Point every ``person:EMAIL`` selector at ``replacement`` instead; returns how many."""
    changed = 0
    for mention, values in list(selectors_naming(connection, email)):
        table = metadata.tables[mention.table]
        renamed = [f"person:{replacement}" if v == f"person:{email}" else v for v in values]
        connection.execute(
            update(table).where(table.c.id == mention.id).values({mention.column: renamed})
        )
        changed += 1
    return changed


def config_paths(raw: Any, email: str, path: str = "") -> list[str]:
    """Where the YAML configuration names ``email`` (a department's agents or lead): Elçi
    cannot edit the operator's file, so erasure says where to do it."""
    if isinstance(raw, dict):
        return [
            found
            for key, value in raw.items()
            for found in config_paths(value, email, f"{path}.{key}" if path else str(key))
        ]
    if isinstance(raw, list):
        return [found for value in raw for found in config_paths(value, email, path)]
    return [path] if isinstance(raw, str) and raw.strip().lower() == email else []
