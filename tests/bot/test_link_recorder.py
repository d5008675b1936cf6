"""Group commit on /r/: concurrent clicks are all stored, and share their commits."""

from __future__ import annotations

import asyncio
import re

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event, func
from sqlmodel import select

from bot.compose import build_web_app
from bot.tracking.urls import new_code
from storage.content import ContentItem
from storage.engine import session_scope
from storage.tracking import Click, links_for

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"


async def test_concurrent_clicks_are_all_stored_in_a_few_commits(
    make_services, add_person, engine
) -> None:
    person = add_person("can@example.com")
    with session_scope(engine) as session:
        item = ContentItem(title="News", url="https://example.com/n?id=3", slug="news")
        session.add(item)
        session.flush()
        code = links_for(session, item.id, person.id, ["linkedin"], new_code)["linkedin"].code
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
