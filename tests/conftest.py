"""Fixtures the whole suite shares: a migrated database on SQLite and on PostgreSQL.

Ask for ``engine`` (or ``database_url``) and the test runs once per store, so one contract
suite covers both. ``sqlite_engine``/``sqlite_url`` are for tests that need a database but
nothing store-specific. Every database comes from ``storage.migrate.upgrade``, the path
production takes, so a migration that breaks shows up everywhere at once.

PostgreSQL comes from ``ELCI_TEST_POSTGRES_URL``; each test gets a schema of its own
(reached through ``search_path``), dropped afterwards. Migrating a fresh schema costs about
40 ms today. With no server, the PostgreSQL variants skip, except under ``CI=true``, where
a missing server is a failure: CI must not pass by testing one store.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from storage.engine import make_engine
from storage.migrate import upgrade

pytest_plugins = ["tests.support.turns", "tests.support.slack", "tests.support.teams"]

POSTGRES_URL_ENV = "ELCI_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
STORES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An engine on the test server's default schema, for creating and dropping schemas."""
    url = os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)
    engine = make_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        engine.dispose()
        where = make_url(url).render_as_string(hide_password=True)
        detail = " ".join(str(exc.orig).split())
        reason = f"PostgreSQL not reachable at {where} (set {POSTGRES_URL_ENV}): {detail}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true, so this fails instead of skipping")
        pytest.skip(reason)
    yield engine
    engine.dispose()


@pytest.fixture(params=STORES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to a database with no tables yet: a new SQLite file or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield (
        admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    with admin.begin() as connection:
        # A connection the test left open would block the drop forever; fail instead.
        connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """A URL to a migrated, empty database of its own, once per store."""
    upgrade(empty_database_url)
    return empty_database_url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a migrated, empty database of its own, once per store."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A URL to a migrated, empty SQLite file, for tests that need one store only."""
    url = f"sqlite:///{tmp_path / 'sqlite-only.db'}"
    upgrade(url)
    return url


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()
