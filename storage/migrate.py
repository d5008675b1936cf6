"""Apply the migrations that ship inside the package, from code.

No alembic.ini: ``elci db upgrade``, ``elci serve`` and the test fixtures all call
:func:`upgrade` with a URL. Several processes may start at once (server, workers, a CLI
command), so the upgrade holds a database-wide lock: the first one migrates, the others
wait and then find nothing to do.

Developers add a revision with ``python -m storage.migrate revision "what changed"``
(see ``storage/migrations/README.md``).
"""

from __future__ import annotations

import argparse
import tempfile
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from storage.engine import make_engine

MIGRATION_LOCK_KEY = 0x656C6369  # "elci": one advisory lock for every Elçi process


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration built in code, pointing at the packaged scripts."""
    config = Config()
    config.set_main_option("script_location", str(files("storage").joinpath("migrations")))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``; a no-op when it is there already."""
    engine = _migration_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            command.upgrade(alembic_config(connection), revision)
    finally:
        engine.dispose()


def current_heads(url: str) -> tuple[str, ...]:
    """The revisions the database at ``url`` is at; empty before the first upgrade."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()


def script_heads() -> tuple[str, ...]:
    """The newest revisions shipped; a healthy history has exactly one."""
    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def _migration_engine(url: str) -> Engine:
    """An engine whose transactions hold the SQLite write lock from their first statement.

    pysqlite would otherwise run DDL outside any transaction, so two processes migrating
    the same file could both create a table. ``BEGIN IMMEDIATE`` makes the second wait
    (busy timeout) and then see the new revision.
    """
    engine = make_engine(url, poolclass=NullPool)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _manual_transactions(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def new_revision(message: str) -> Path:
    """Write a revision for what the tables declare that the migrations do not yet create.

    The comparison runs against a scratch SQLite database at head, so no server is
    needed; review the file, since autogenerate cannot see renames or data changes.
    """
    config = alembic_config()
    rev_id = f"{len(list(ScriptDirectory.from_config(config).walk_revisions())) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'head.db'}"
        upgrade(url)
        engine = make_engine(url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                script = command.revision(config, message, autogenerate=True, rev_id=rev_id)
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m storage.migrate")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("revision", help="autogenerate the next revision").add_argument("message")
    args = parser.parse_args()
    print(new_revision(args.message))


if __name__ == "__main__":
    main()
