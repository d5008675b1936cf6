"""A 10,000-recipient campaign through ``elci worker`` processes and local stand-ins.

What it measures, on SQLite and (when one answers) on PostgreSQL:

- (a) no rate limit: deliveries per second, with 1 and with 2 ``elci worker`` processes,
  from the ledger being written (``campaign send``) to the last message received; the
  baseline is a bare aiohttp loop posting the same number of messages to the same
  stand-in at the same concurrency, with no ledger at all;
- (b) a stand-in that allows L messages per second per platform (answering 429 with
  Retry-After beyond it) and workers configured for L: the achieved rate as a fraction of L.

Half the audience is on Slack (a lean Web API stand-in: chat.postMessage and
conversations.history), half on Teams (a lean connector, emulator mode). Both run in a
process of their own on 127.0.0.1; every recipient must receive exactly one message, or the
run fails. Bounded in count and time; installs nothing.

    .venv/bin/python bench/campaign.py [--n 10000] [--limit 200] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_config  # noqa: E402
from bot.delivery import ledger  # noqa: E402
from bot.delivery.settings import CampaignSettings, WorkingHours  # noqa: E402
from storage.engine import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.support.campaigns import add_audience, add_content  # noqa: E402

HOST = "127.0.0.1"
POSTGRES = os.environ.get("ELCI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


# --- the stand-in process ----------------------------------------------------------------


def _stand_in(port: int, limit: float, ready: Any) -> None:
    received: Counter[str] = Counter()
    # A token bucket per platform: L per second, bursts of up to L (one second's worth).
    buckets = {"slack": [limit, time.monotonic()], "teams": [limit, time.monotonic()]}

    def allowed(platform: str) -> bool:
        if limit <= 0:
            return True
        bucket = buckets[platform]
        now = time.monotonic()
        bucket[0] = min(limit, bucket[0] + (now - bucket[1]) * limit)
        bucket[1] = now
        if bucket[0] < 1:
            return False
        bucket[0] -= 1
        return True

    async def slack(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await request.json() if request.content_type == "application/json" else {}
        if method == "chat.postMessage":
            if not allowed("slack"):
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                         headers={"Retry-After": "1"})  # fmt: skip
            received["slack:" + str(body.get("channel"))] += 1
            return web.json_response({"ok": True, "channel": body.get("channel"), "ts": "1.1"})
        if method == "conversations.history":
            return web.json_response({"ok": True, "messages": []})
        return web.json_response({"ok": True})

    async def teams(request: web.Request) -> web.Response:
        await request.read()
        if not allowed("teams"):
            return web.json_response({"error": {"code": "Throttled", "message": "slow down"}},
                                     status=429, headers={"Retry-After": "1"})  # fmt: skip
        received["teams:" + request.match_info["conversation"]] += 1
        return web.json_response({"id": "act-1"})

    async def counts(_request: web.Request) -> web.Response:
        return web.json_response(dict(received))

    async def reset(_request: web.Request) -> web.Response:
        received.clear()
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/api/{method}", slack)
    app.router.add_post("/v3/conversations/{conversation}/activities", teams)
    app.router.add_get("/counts", counts)
    app.router.add_post("/reset", reset)
    ready.set()
    web.run_app(app, host=HOST, port=port, print=None, access_log=None)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


# --- one run -----------------------------------------------------------------------------


def _config(folder: Path, rate: float) -> Path:
    raw = yaml.safe_load((ROOT / "bot" / "default_config.yaml").read_text("utf-8"))
    raw["campaigns"] = {
        "working_hours": {"enabled": False},
        "rate_per_second": {"slack": rate, "teams": rate},
        "batch": 200,
        "concurrency": 64,
        "lease_seconds": 120,
    }
    path = folder / f"elci-{rate}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


def _workers(count: int, url: str, base: str, config: Path) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "ELCI_DATABASE_URL": url,
        "ELCI_CONFIG": str(config),
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench",
        "SLACK_API_URL": f"{base}/api/",
        "MICROSOFT_APP_ID": "",
        "ELCI_LOG_LEVEL": "ERROR",
    }
    elci = str(ROOT / ".venv" / "bin" / "elci")
    return [
        subprocess.Popen(
            [elci, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(count)
    ]


async def _received(base: str) -> Counter[str]:
    async with aiohttp.ClientSession() as session, session.get(f"{base}/counts") as response:
        return Counter(await response.json())


def _fresh(store: str, folder: Path, tag: str) -> str:
    if store == "sqlite":
        url = f"sqlite:///{folder / f'{tag}.db'}"
    else:
        from sqlalchemy import text

        admin = make_engine(POSTGRES)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "bench_{tag}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "bench_{tag}"'))
        admin.dispose()
        url = f"{POSTGRES}?options=-csearch_path%3Dbench_{tag}"
    upgrade(url)
    return url


async def run(store: str, workers: int, n: int, rate: float, base: str, folder: Path) -> float:
    """Deliveries per second for one campaign of ``n``; checks exactly-once."""
    tag = f"{store}_{workers}_{int(rate)}"
    url = _fresh(store, folder, tag)
    engine = make_engine(url)
    add_audience(engine, n // 2, n - n // 2, base)
    item = add_content(engine)
    campaign = ledger.create(engine, load_config(), ledger.NewCampaign("Bench", [item]))
    assert campaign.id is not None
    async with aiohttp.ClientSession() as session:
        await session.post(f"{base}/reset")
    processes = _workers(workers, url, base, _config(folder, rate))
    await asyncio.sleep(4)  # the workers start (imports, migrations checked)
    try:
        started = time.perf_counter()
        settings = CampaignSettings(hours=WorkingHours(enabled=False))
        ledger.start(engine, campaign.id, ["slack", "teams"], settings)
        deadline = started + (120.0 if rate <= 0 else max(120.0, 3 * n / rate))
        while time.perf_counter() < deadline:
            received = await _received(base)
            if len(received) >= n:
                break
            print(f"  {tag}: {len(received)} of {n}", end="\r", file=sys.stderr)
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(20)
        engine.dispose()
    if len(received) != n or set(received.values()) != {1}:
        raise SystemExit(f"{tag}: {len(received)} of {n} received, counts {set(received.values())}")
    return n / elapsed


async def baseline(n: int, base: str, concurrency: int = 64) -> float:
    """A bare loop: the same number of chat.postMessage calls, no ledger, no SDK."""
    async with aiohttp.ClientSession() as session:
        await session.post(f"{base}/reset")
        queue = iter(range(n))
        started = time.perf_counter()

        async def one() -> None:
            for number in queue:
                body = {"channel": f"B{number}", "text": "hi"}
                async with session.post(f"{base}/api/chat.postMessage", json=body) as reply:
                    await reply.read()

        await asyncio.gather(*(one() for _ in range(concurrency)))
        return n / (time.perf_counter() - started)


def _postgres_up() -> bool:
    try:
        engine = make_engine(POSTGRES, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def _serve(limit: float) -> tuple[str, multiprocessing.Process]:
    port = _free_port()
    ready = multiprocessing.Event()
    process = multiprocessing.Process(target=_stand_in, args=(port, limit, ready), daemon=True)
    process.start()
    ready.wait(10)
    time.sleep(0.5)
    return f"http://{HOST}:{port}", process


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=200.0, help="L, messages/s per platform")
    parser.add_argument("--quick", action="store_true", help="2,000 recipients")
    args = parser.parse_args()
    n = 2000 if args.quick else args.n
    stores = ["sqlite"] + (["postgresql"] if _postgres_up() else [])
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        base, stand_in = _serve(0)
        try:
            bare = await baseline(n, base)
            for store in stores:
                for workers in (1, 2):
                    rate = await run(store, workers, n, 0, base, Path(folder))
                    rows.append(f"| (a) {store}, {workers} worker(s), no limit | {n} | "
                                f"{rate:,.0f}/s | {bare:,.0f}/s | {rate / bare:.2f} |")  # fmt: skip
        finally:
            stand_in.terminate()
        base, stand_in = _serve(args.limit)
        try:
            limited = min(n, int(args.limit * 2 * 15))  # about 15 s at 2 L (two platforms)
            for store in stores[:1]:
                rate = await run(store, 1, limited, args.limit, base, Path(folder))
                target = 2 * args.limit
                rows.append(f"| (b) {store}, 1 worker, L = {args.limit:.0f}/s per platform | "
                            f"{limited} | {rate:,.0f}/s | 2 L = {target:,.0f}/s | "
                            f"{rate / target:.2f} |")  # fmt: skip
        finally:
            stand_in.terminate()
    print("| case | n | Elçi | baseline | ratio |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    asyncio.run(main())
