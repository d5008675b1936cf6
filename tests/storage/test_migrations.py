"""The migrations build exactly what the tables declare, on every store."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from types import ModuleType

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import storage
from storage import tables
from storage.migrate import current_heads, script_heads, upgrade


def test_schema_matches_the_tables(engine: Engine) -> None:
    """Drift guard: a table change without a revision (or the reverse) fails here."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, tables.metadata) == []


def test_one_head_and_the_database_is_at_it(database_url: str) -> None:
    assert len(script_heads()) == 1, "two revisions share a parent: merge or renumber one"
    assert current_heads(database_url) == script_heads()


def test_upgrade_again_changes_nothing(database_url: str, engine: Engine) -> None:
    before = set(inspect(engine).get_table_names())
    upgrade(database_url)
    assert set(inspect(engine).get_table_names()) == before
    assert current_heads(database_url) == script_heads()


def test_processes_starting_together_migrate_once(empty_database_url: str) -> None:
    """Server, workers and a CLI command may all migrate the same new database at once."""
    code = "import sys; from storage.migrate import upgrade; upgrade(sys.argv[1])"
    processes = [
        subprocess.Popen([sys.executable, "-c", code, empty_database_url], stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    failures = [p.stderr.read().decode() for p in processes if p.wait() != 0 and p.stderr]
    assert failures == []
    assert current_heads(empty_database_url) == script_heads()


def test_every_table_module_is_listed_in_storage_tables() -> None:
    """Autogenerate sees only what storage.tables imports; a forgotten module means drops."""
    for module in pkgutil.walk_packages(storage.__path__, "storage."):
        importlib.import_module(module.name)
    declaring = {
        table_class.__module__
        for name, module in list(sys.modules.items())
        if name.startswith("storage.") and module is not None
        for table_class in vars(module).values()
        if isinstance(table_class, type) and issubclass(table_class, SQLModel)
        and hasattr(table_class, "__table__")
    }
    listed = {value.__name__ for value in vars(tables).values() if isinstance(value, ModuleType)}
    assert declaring <= listed
