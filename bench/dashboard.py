"""The dashboard's campaign page over 1,000,000 click and share events, SQLite and PostgreSQL.

Reuses ``bench/report.py``'s data (10,000 people, 50 campaigns of about 4,000 recipients,
1,000,000 events): seeds it, or with ``--keep DIR --reuse`` reads what that script kept.
Then, per store, through the real aiohttp app on a local port (HTTP, sign-in check, KPI
queries, three SVG charts, the template), it times ``GET /admin/campaigns/ID``:

- first view of each of 5 campaigns (nothing drawn yet: matplotlib draws three charts);
- the same pages viewed again (the queries run again; the drawn charts come from cache);

against two baselines in the same run: ``campaign_kpis`` called directly (the page's
queries, nothing else) and ``GET /healthz`` through the same server (HTTP plus one
``SELECT 1``). Targets (issue 9): under 300 ms on PostgreSQL, under 1 s on SQLite.

    .venv/bin/python bench/dashboard.py [--events 1000000] [--sqlite-only] [--keep DIR [--reuse]]
"""

from __future__ import annotations

import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402
from report import arguments, fresh, seed, seeded, url_of  # noqa: E402

from bot.compose import build_services, build_web_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.kpis.campaign import campaign_kpis  # noqa: E402
from bot.kpis.earned_media import earned_media_settings  # noqa: E402

SAMPLE, REPEATS = 5, 3


async def _timed(call: Callable[[], Awaitable[Any]], runs: int = 1) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        await call()
        times.append((time.perf_counter() - began) * 1000)
    return times


async def measure(store: str, url: str, campaigns: list[int], events: int) -> list[str]:
    token = secrets.token_urlsafe(24)
    settings = Settings(ELCI_DATABASE_URL=url, ELCI_ADMIN_TOKEN=token)
    services = build_services(settings)
    earned = earned_media_settings(settings.config)
    sample = campaigns[:: max(1, len(campaigns) // SAMPLE)][:SAMPLE]
    headers = {"Authorization": f"Bearer {token}"}
    async with TestClient(TestServer(build_web_app(services))) as client:

        async def page(campaign: int) -> None:
            response = await client.get(f"/admin/campaigns/{campaign}", headers=headers)
            html = await response.text()
            assert response.status == 200 and html.count("<svg") == 3, response.status

        async def health() -> None:
            assert (await client.get("/healthz")).status == 200

        async def kpis(campaign: int) -> None:
            found = await asyncio.to_thread(campaign_kpis, services.engine, campaign, earned)
            assert found is not None

        await health()
        # Warm as the report bench does (the pool, the database's caches), and draw one page
        # outside the sample, so matplotlib's one-time import is not counted as a page.
        await kpis(sample[0])
        await page(next(c for c in campaigns if c not in sample))
        first = [t for c in sample for t in await _timed(lambda c=c: page(c))]
        again = [t for c in sample for t in await _timed(lambda c=c: page(c), REPEATS)]
        queries = [t for c in sample for t in await _timed(lambda c=c: kpis(c), REPEATS)]
        healthz = await _timed(health, 15)
    services.engine.dispose()
    target = 300 if store == "postgresql" else 1000
    base, only = statistics.median(healthz), statistics.median(queries)

    def row(case: str, times: list[float]) -> str:
        median = statistics.median(times)
        verdict = "met" if median < target else "MISSED"
        return (
            f"| {store} | {case} | {events:,} | {median:.0f} ms (worst {max(times):.0f}) "
            f"| {only:.0f} ms | {base:.0f} ms | {median / only:.2f}× | < {target} ms: {verdict} |"
        )

    return [
        row(f"campaign page, first view ({len(first)} campaigns: charts drawn)", first),
        row(f"campaign page, viewed again (median of {len(again)}: charts cached)", again),
    ]


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    lines = [
        "| store | case | events | Elçi page | baseline: `campaign_kpis` alone "
        "| baseline: `GET /healthz` | page ÷ queries | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="elci-dashboard-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for store in ["sqlite"] if args.sqlite_only else ["sqlite", "postgresql"]:
            if args.reuse:
                url = url_of(store, folder)
                campaigns, events = seeded(url)
            else:
                url, events = fresh(store, folder), args.events
                campaigns = seed(url, events)
            lines.extend(asyncio.run(measure(store, url, campaigns, events)))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
