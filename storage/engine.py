"""Engine and sessions for the one shared component, the database.

SQLite is the zero-setup default; it gets WAL and a busy timeout so that the server,
its workers and a CLI command can share one file without "database is locked".
PostgreSQL (psycopg 3) runs the same code for production.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session, create_engine

from storage import DEFAULT_URL

SQLITE_BUSY_TIMEOUT_MS = 5000
UNREACHABLE = (OperationalError, InterfaceError)
"""What the driver raises when the database cannot be reached (down, cut off, or SQLite
locked past its busy timeout). A request that meets it answers 5xx, so the platform
retries; the unit of work it was in rolled back, so nothing is half-written. The pool
pings connections before use (``pool_pre_ping``), so service resumes by itself once the
database is back."""


def normalize_url(url: str) -> str:
    """Point bare PostgreSQL URLs at psycopg 3, the only driver we ship."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str = DEFAULT_URL, **kwargs: object) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back if it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
