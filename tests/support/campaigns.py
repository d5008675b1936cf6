"""An audience for campaign tests and the benchmark: people with Slack or Teams accounts,
written in bulk, and what the stand-ins received per recipient.

Pure helpers (no fixtures), so ``bench/campaign.py`` can use them too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from storage.content import ContentItem
from storage.engine import session_scope
from storage.people import Person, PlatformAccount, utcnow

TENANT = "8c3f0e5e-7d1c-4b4e-9f3e-2f6c0b1e7a10"


@dataclass(frozen=True)
class Audience:
    slack_channels: dict[int, str]  # person id -> DM channel
    teams_conversations: dict[int, str]  # person id -> conversation id


def add_content(engine: Engine, title: str = "Our new plant opens") -> int:
    with session_scope(engine) as session:
        item = ContentItem(title=title, url="https://example.com/news/plant", slug="plant",
                           summary="Share the news!")  # fmt: skip
        session.add(item)
        session.flush()
        assert item.id is not None
        return item.id


def add_audience(
    engine: Engine,
    slack: int,
    teams: int,
    teams_url: str = "",
    roles: dict[int, list[str]] | None = None,
    timezones: dict[int, str] | None = None,
) -> Audience:
    """``slack`` people on Slack, then ``teams`` people on Teams (loopback ``teams_url``);
    ``roles``/``timezones`` by position (0-based) override the defaults."""
    now = utcnow()
    roles = roles or {}
    timezones = timezones or {}
    total = slack + teams
    people = [
        {"email": f"p{n}@example.com", "name": f"Person {n}", "roles": roles.get(n, ["employee"]),
         "timezone": timezones.get(n), "leaderboard_hidden": False, "created_at": now,
         "updated_at": now}
        for n in range(total)
    ]  # fmt: skip
    with session_scope(engine) as session:
        connection = session.connection()
        connection.execute(insert(Person), people)
        ids = dict(
            connection.execute(
                Person.__table__.select().with_only_columns(  # type: ignore[attr-defined]
                    Person.__table__.c.email,
                    Person.__table__.c.id,  # type: ignore[attr-defined]
                )
            ).all()
        )
        accounts: list[dict[str, Any]] = []
        slack_channels, conversations = {}, {}
        for n in range(total):
            person_id = ids[f"p{n}@example.com"]
            if n < slack:
                user = f"U{n:07d}"
                slack_channels[person_id] = f"D{n:07d}"
                ref: dict[str, Any] = {"channel": slack_channels[person_id]}
                accounts.append(_account("slack", "T0ELCI", user, person_id, ref, now))
            else:
                user = f"29:1user{n}"
                conversations[person_id] = f"a:1conv{n}"
                ref = {
                    "serviceUrl": teams_url, "channelId": "msteams", "tenantId": TENANT,
                    "conversation": {"conversationType": "personal", "tenantId": TENANT,
                                     "id": conversations[person_id]},
                    "user": {"id": user, "name": f"Person {n}"},
                    "bot": {"id": "28:elci", "name": "Elçi"},
                }  # fmt: skip
                accounts.append(_account("teams", TENANT, user, person_id, ref, now))
        for chunk in range(0, len(accounts), 1000):
            connection.execute(insert(PlatformAccount), accounts[chunk : chunk + 1000])
    return Audience(slack_channels, conversations)


def _account(
    platform: str, tenant: str, user: str, person_id: int, ref: dict[str, Any], now: Any
) -> dict[str, Any]:
    return {"platform": platform, "tenant": tenant, "user_id": user, "person_id": person_id,
            "conversation_ref": ref, "created_at": now, "updated_at": now}  # fmt: skip


def slack_received(posted: dict[str, list[dict[str, Any]]]) -> Counter[str]:
    """Accepted chat.postMessage calls per channel (from ``SlackApiStandIn.posted``)."""
    return Counter({channel: len(messages) for channel, messages in posted.items()})


def teams_received(calls: list[Any]) -> Counter[str]:
    """Accepted sends per conversation id (from ``ConnectorStandIn.sent()``)."""
    received: Counter[str] = Counter()
    for call in calls:
        if call.status == 200 and "/activities" in call.path:
            received[call.path.split("/")[3]] += 1
    return received
