"""Group commit on /r/: concurrent clicks are all stored, and share their commits."""

from __future__ import annotations

import asyncio
import re
from contextlib import ExitStack
from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event, func
from sqlmodel import select

from bot.compose import build_web_app
from bot.tracking.recorder import Hit, LinkRecorder, Rules
from bot.tracking.urls import new_code
from storage.content import ContentItem
from storage.engine import session_scope
from storage.people import utcnow
from storage.tracking import Click, links_for

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"


def a_link(engine, person) -> str:
    """The person's LinkedIn link to a news item leading to https://example.com/n?id=3."""
    with session_scope(engine) as session:
        item = ContentItem(title="News", url="https://example.com/n?id=3", slug="news")
        session.add(item)
        session.flush()
        return links_for(session, item.id, person.id, ["linkedin"], new_code)["linkedin"].code


async def test_concurrent_clicks_are_all_stored_in_a_few_commits(
    make_services, add_person, engine
) -> None:
    code = a_link(engine, add_person("can@example.com"))
    commits: list[object] = []

    def committed(connection) -> None:
        commits.append(connection)

    event.listen(engine, "commit", committed)
    try:
        async with TestClient(TestServer(build_web_app(make_services()))) as client:
            answers = await asyncio.gather(*(
                client.get(f"/r/{code}", allow_redirects=False, headers={"User-Agent": BROWSER})
                for _ in range(40)
            ))  # fmt: skip
    finally:
        event.remove(engine, "commit", committed)
    assert {answer.status for answer in answers} == {302}
    assert all(a.headers["Location"].startswith("https://example.com/n?id=3&") for a in answers)
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(Click)).one() == 40
        stored = session.connection().exec_driver_sql("SELECT created_at FROM click").scalar()
    assert len(commits) <= 10  # one per batch, not one per click
    # Written past the ORM, the moment is still stored as the ORM stores it (on SQLite a
    # text without offset, which the day and period queries compare as text).
    if engine.dialect.name == "sqlite":
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", stored)


async def test_only_the_link_writers_own_connection_commits_without_waiting_for_the_disk(
    add_person, engine
) -> None:
    """On PostgreSQL the writer's commits skip the WAL flush (see bot.tracking.recorder);
    no pooled connection, which every other piece of work uses, is ever left that way."""
    code = a_link(engine, add_person("can@example.com"))
    recorder = LinkRecorder(engine, Rules("https://elci.example.com", timedelta(0), 5, 1))
    outcome = await recorder.record(Hit("click", code, utcnow(), user_agent=BROWSER))
    assert outcome.location is not None
    setting = (
        "SHOW synchronous_commit" if engine.dialect.name == "postgresql" else "PRAGMA synchronous"
    )
    assert recorder._writer is not None and recorder._writer.connection is not None
    own = recorder._writer.connection
    writer = own.exec_driver_sql(setting).scalar()
    own.rollback()  # as the writer leaves it between batches
    await recorder.close()
    with ExitStack() as held:  # every connection the pool holds, at once
        pooled = [
            held.enter_context(engine.connect()).exec_driver_sql(setting).scalar()
            for _ in range(engine.pool.size())  # type: ignore[attr-defined]
        ]
    assert set(pooled) <= {"on", 2}, pooled  # PostgreSQL's and SQLite's full durability
    assert writer == ("off" if engine.dialect.name == "postgresql" else 2)
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(Click)).one() == 1
