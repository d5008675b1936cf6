"""``report campaign`` over 1,000,000 click and share events, on SQLite and PostgreSQL.

Seeds 10,000 people (10 departments, 8 locations, leaders, a pilot group), 50 campaigns of
two items each sent to about 4,000 people apiece (pilot wave first), and 1,000,000 events
on the campaigns' items: 30 % share intents, 70 % clicks (15 % of them not human: HEAD,
bots, previews), timed after each person's delivery. Bulk inserts: COPY on PostgreSQL,
``executemany`` in one transaction on SQLite. Then, per store, it times:

- ``campaign_kpis`` (the function behind ``elci report campaign`` and the dashboard's
  campaign page), warm, over several campaigns: median and worst;
- ``elci report campaign ID`` end to end, as a new process (start-up, migration check,
  queries, table), against ``elci db upgrade``, which pays the same start-up and nothing else;
- the bare baseline: one plain ``SELECT count(*) FROM click`` on the same data.

Targets (issue 9): under 300 ms on PostgreSQL, under 1 s on SQLite, for ``report campaign``.

    .venv/bin/python bench/report.py [--events 1000000] [--sqlite-only] [--keep DIR [--reuse]]

``--keep DIR`` leaves the seeded SQLite file in DIR and the PostgreSQL schema in place,
and prints their URLs, so other benchmarks (the dashboard's campaign page) can run on the
same data: ``ELCI_DATABASE_URL=<url> ...``; ``--reuse`` then measures them again
without seeding. From Python: ``seed(url, events=...)`` here
returns the campaign ids of a freshly seeded database (see bench/README.md).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bot.config import load_config  # noqa: E402
from bot.kpis.campaign import campaign_kpis  # noqa: E402
from bot.kpis.earned_media import earned_media_settings  # noqa: E402
from bot.kpis.sql import table  # noqa: E402
from storage.campaigns import Campaign, Delivery  # noqa: E402
from storage.content import ContentItem  # noqa: E402
from storage.engine import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.people import Person  # noqa: E402
from storage.tracking import Click, ShareIntent, ShareLink  # noqa: E402

POSTGRES = os.environ.get("ELCI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_report"
PEOPLE, CAMPAIGNS, AUDIENCE, PILOT = 10_000, 50, 4_000, 200
DEPARTMENTS = ("marketing", "corporate-communications", "customer-relations", "media-planning",
               "advertising", "public-relations", "sales", "legal", "it", "hr")  # fmt: skip
LOCATIONS = ("İstanbul", "Ankara", "İzmir", "Bursa", "Antalya", "Adana", "Konya", "Kocaeli")
NETWORKS = ("linkedin", "x", "facebook")
START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)

INTENT_COLUMNS = ("code", "item_id", "person_id", "network", "campaign_id", "created_at")
CLICK_COLUMNS = ("code", "item_id", "person_id", "network", "method", "human", "agent_class",
                 "referrer_host", "ip_hash", "campaign_id", "created_at")  # fmt: skip


def seed(url: str, events: int = 1_000_000, rng_seed: int = 9) -> list[int]:
    """Fill a migrated, empty database; returns the campaign ids. Deterministic per seed."""
    rng = random.Random(rng_seed)
    engine = make_engine(url)
    try:
        people = _people(rng)
        items = [
            {
                "id": n,
                "title": f"Haber {n}",
                "url": f"https://example.com/{n}",
                "slug": f"h{n}",
                "summary": "",
                "language": "tr",
                "tags": [],
                "audience": [],
                "captions": {},
                "leader": False,
                "archived": False,
                "created_at": START,
            }
            for n in range(1, 2 * CAMPAIGNS + 1)
        ]
        campaigns, deliveries = _campaigns(rng)
        links, intents, clicks = _events(rng, deliveries, events)
        with engine.begin() as connection:
            for model, rows in ((Person, people), (ContentItem, items), (Campaign, campaigns),
                                (Delivery, deliveries), (ShareLink, links)):  # fmt: skip
                connection.execute(insert(table(model)), rows)
        _bulk(engine, ShareIntent, INTENT_COLUMNS, intents)
        _bulk(engine, Click, CLICK_COLUMNS, clicks)
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        _reset_sequences(engine)
    finally:
        engine.dispose()
    return [campaign["id"] for campaign in campaigns]


def _people(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for n in range(1, PEOPLE + 1):
        roles = ["employee"]
        if rng.random() < 0.03:
            roles.append("leader")
        if rng.random() < 0.05:
            roles.append("group:pilot")
        rows.append({
            "id": n, "email": f"kisi{n}@example.com", "name": f"Kişi {n}",
            "department": DEPARTMENTS[n % len(DEPARTMENTS)], "location": rng.choice(LOCATIONS),
            "roles": roles, "leaderboard_hidden": False, "created_at": START - timedelta(days=90),
            "updated_at": START,
        })  # fmt: skip
    return rows


def _campaigns(rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    campaigns, deliveries = [], []
    for n in range(1, CAMPAIGNS + 1):
        started = START + timedelta(days=3 * n)
        campaigns.append({
            "id": n, "name": f"Kampanya {n}", "purpose": "", "message": "",
            "kpis": {"shares": 2000, "participation_rate": 0.3}, "content_ids": [2 * n - 1, 2 * n],
            "audience": ["all"], "pilot": ["role:group:pilot"], "rest_after_minutes": 1440,
            "rest_approved": True, "status": "done", "created_at": started, "started_at": started,
        })  # fmt: skip
        for index, person in enumerate(rng.sample(range(1, PEOPLE + 1), AUDIENCE)):
            pilot = index < PILOT
            sent = started + timedelta(minutes=index // 20, days=0 if pilot else 1)
            deliveries.append({
                "campaign_id": n, "person_id": person, "platform": "slack",
                "wave": 0 if pilot else 1, "status": "sent", "not_before": started,
                "attempts": 1, "doubts": 0, "sent_at": sent, "created_at": started,
            })  # fmt: skip
    return campaigns, deliveries


def _events(
    rng: random.Random, deliveries: list[dict[str, Any]], events: int
) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Links, intents and clicks: per campaign, a third of the audience share (after their
    delivery), and clicks follow the shares on the same links."""
    per_campaign = events // CAMPAIGNS
    n_intents = per_campaign * 3 // 10
    links: dict[str, dict[str, Any]] = {}
    intents: list[tuple[Any, ...]] = []
    clicks: list[tuple[Any, ...]] = []
    by_campaign: dict[int, list[dict[str, Any]]] = {}
    for delivery in deliveries:
        by_campaign.setdefault(delivery["campaign_id"], []).append(delivery)
    for campaign, audience in by_campaign.items():
        sharers = rng.sample(audience, len(audience) // 3)
        shared: list[tuple[str, int, int, str, datetime]] = []
        for _ in range(n_intents):
            delivery = rng.choice(sharers)
            item = 2 * campaign - rng.randint(0, 1)
            network = rng.choice(NETWORKS)
            person = delivery["person_id"]
            code = f"{item}-{person}-{network}"
            links.setdefault(code, {"code": code, "item_id": item, "person_id": person,
                                    "network": network, "caption_index": 0,
                                    "campaign_id": campaign,
                                    "created_at": delivery["sent_at"]})  # fmt: skip
            at = delivery["sent_at"] + timedelta(minutes=rng.expovariate(1 / 600))
            intents.append((code, item, person, network, campaign, at))
            shared.append((code, item, person, network, at))
        for _ in range(per_campaign - n_intents):
            code, item, person, network, at = rng.choice(shared)
            kind = rng.random()
            human = kind >= 0.15
            method, agent = ("HEAD", "other") if kind < 0.05 else (
                ("GET", "bot") if kind < 0.10 else ("GET", "browser"))  # fmt: skip
            clicks.append((code, item, person, network, method, human, agent, "lnkd.in",
                           f"{rng.randrange(50_000):032x}", campaign,
                           at + timedelta(minutes=rng.expovariate(1 / 240))))  # fmt: skip
    return list(links.values()), intents, clicks


def _bulk(
    engine: Engine, model: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """COPY on PostgreSQL; one executemany transaction on SQLite."""
    name = table(model).name
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            iso = [tuple(_sqlite_value(value) for value in row) for row in rows]
            cursor.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", iso)
        raw.commit()
    finally:
        raw.close()


def _sqlite_value(value: Any) -> Any:
    """SQLAlchemy's SQLite DateTime text format (naive UTC), as the ORM would write it."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _reset_sequences(engine: Engine) -> None:
    """Explicit ids went in; PostgreSQL's sequences must move past them for later inserts."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for model in (Person, ContentItem, Campaign):
            name = table(model).name
            sequence = f"pg_get_serial_sequence('{name}', 'id')"
            connection.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {name}))"))


def fresh(store: str, folder: Path) -> str:
    """A migrated, empty database: a SQLite file in ``folder`` or the ``bench_report`` schema."""
    url = url_of(store, folder)
    if store == "sqlite":
        (folder / "report.db").unlink(missing_ok=True)
    else:
        admin = make_engine(POSTGRES)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
        admin.dispose()
    upgrade(url)
    return url


def _timed(call: Callable[[], Any], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return times


def _elci(url: str, *args: str, expect: str) -> None:
    env = {**os.environ, "ELCI_DATABASE_URL": url}
    done = subprocess.run(
        [str(ROOT / ".venv/bin/elci"), *args],
        env=env, capture_output=True, text=True, check=False, cwd=tempfile.gettempdir(),
    )  # fmt: skip
    if done.returncode != 0 or expect not in done.stdout:
        raise SystemExit(f"elci {' '.join(args)} failed: {done.stderr or done.stdout}")


def measure(store: str, url: str, campaigns: list[int], events: int) -> Iterator[str]:
    engine = make_engine(url)
    earned = earned_media_settings(load_config())
    sample = campaigns[:: max(1, len(campaigns) // 5)][:5]
    try:
        first = campaign_kpis(engine, sample[0], earned)  # warms caches and the pool
        assert first is not None and first.totals.recipients == AUDIENCE
        kpi_times = [
            t for c in sample for t in _timed(lambda c=c: campaign_kpis(engine, c, earned), 3)
        ]
        with engine.connect() as connection:
            count = lambda: connection.execute(text("SELECT count(*) FROM click")).scalar_one()  # noqa: E731
            count()
            base_times = _timed(count, 15)
        cli_times = _timed(lambda: _elci(url, "report", "campaign", str(sample[0]),
                                         expect="reach"), 3)  # fmt: skip
        # The same start-up (interpreter, SQLAlchemy, Alembic's migration check), no report.
        upgrade_times = _timed(lambda: _elci(url, "db", "upgrade", expect="revision"), 3)
    finally:
        engine.dispose()
    kpi, base = statistics.median(kpi_times), statistics.median(base_times)
    target = 300 if store == "postgresql" else 1000
    yield (f"| {store} | report campaign: `campaign_kpis` (median of {len(kpi_times)}, "
           f"{len(sample)} campaigns); baseline: `SELECT count(*) FROM click` | {events:,} | "
           f"{kpi:.0f} ms (worst {max(kpi_times):.0f}) "
           f"| {base:.0f} ms | {kpi / base:.1f}× | < {target} ms: "
           f"{'met' if kpi < target else 'MISSED'} |")  # fmt: skip
    cli, upgrade_only = statistics.median(cli_times), statistics.median(upgrade_times)
    yield (f"| {store} | `elci report campaign ID`, a new process (median of 3); baseline: "
           f"`elci db upgrade` (same start-up) | {events:,} | {cli:.0f} ms | {upgrade_only:.0f} ms "
           f"| {cli / upgrade_only:.1f}× | start-up included |")  # fmt: skip


def url_of(store: str, folder: Path) -> str:
    if store == "sqlite":
        return f"sqlite:///{folder / 'report.db'}"
    return f"{POSTGRES}?options=-csearch_path%3D{SCHEMA}"


def seeded(url: str) -> tuple[list[int], int]:
    """The campaign ids and the number of events of a database seeded before (``--reuse``)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            ids = list(connection.execute(text("SELECT id FROM campaign ORDER BY id")).scalars())
            events = sum(
                connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
                for name in ("shareintent", "click")
            )
    finally:
        engine.dispose()
    return ids, events


def arguments(description: str) -> argparse.Namespace:
    """The options this script and bench/dashboard.py share, so one seeded folder serves both."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, help="keep the seeded databases in DIR")
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: measure what DIR holds, seed nothing"
    )
    args = parser.parse_args()
    if args.reuse and not args.keep:
        parser.error("--reuse needs --keep DIR")
    return args


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    with tempfile.TemporaryDirectory(prefix="elci-report-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        stores = ["sqlite"] if args.sqlite_only else ["sqlite", "postgresql"]
        lines = ["| store | case | events | Elçi | baseline | ratio | target |",
                 "|---|---|---|---|---|---|---|"]  # fmt: skip
        for store in stores:
            if args.reuse:
                url = url_of(store, folder)
                campaigns, events = seeded(url)
            else:
                url, events = fresh(store, folder), args.events
                began = time.perf_counter()
                campaigns = seed(url, events)
                print(f"{store}: seeded {events:,} events in "
                      f"{time.perf_counter() - began:.0f} s", file=sys.stderr)  # fmt: skip
            lines.extend(measure(store, url, campaigns, events))
            if args.keep:
                print(f"{store}: kept at ELCI_DATABASE_URL={url}", file=sys.stderr)
            elif store == "postgresql":
                admin = make_engine(POSTGRES)
                with admin.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
                admin.dispose()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
