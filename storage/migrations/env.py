"""Alembic environment: runs on the connection that ``storage.migrate`` hands in.

There is no alembic.ini and no URL here on purpose. The caller owns the connection, its
transaction and (on PostgreSQL) its ``search_path``, so one code path migrates a SQLite
file, a production database and a per-test schema alike.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection
from sqlalchemy.types import String, TypeDecorator
from sqlmodel.sql.sqltypes import AutoString

from storage.tables import metadata


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write SQLModel's own column types as plain SQLAlchemy ones.

    A revision is a frozen record of the schema; it must not import SQLModel, whose
    types may change shape between releases.
    """
    if kind != "type":
        return False
    if isinstance(obj, AutoString):
        return f"sa.{String(length=obj.length)!r}"
    if isinstance(obj, TypeDecorator) and not type(obj).__module__.startswith("sqlalchemy."):
        return f"sa.{obj.impl_instance!r}"
    return False


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite alters tables by copying them; PostgreSQL ignores it
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through storage.migrate, which supplies the connection")
run_migrations(connection)
