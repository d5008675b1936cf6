"""Teams ``POST /api/messages``: Elçi against a bare botbuilder echo bot, in the same run.

What it measures: ``help`` typed in a personal chat, posted as a real Bot Framework activity,
until the HTTP response (which both bots give after their reply reached the connector). Both
servers run as their own process on 127.0.0.1, both in emulator mode (no token), and both
reply to the same local connector stand-in in this process:

- Elçi: ``elci serve`` on a fresh SQLite file (the full turn: dedup row, identity, role
  check, help card rendered as an Adaptive Card, member lookup cached).
- baseline: botbuilder 4.17.1's ``CloudAdapter.process`` with an ``ActivityHandler`` that
  echoes the text, as the SDK's samples do.

Cases: peak throughput with 16 requests in flight, then latency at a fixed 50 activities/s.
Every phase is bounded in count and in time; the script installs nothing and exits by itself.

    .venv/bin/python bench/teams_messages.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
CONCURRENCY = 16
RATE = 50.0
USERS = 8


# --- the bare botbuilder echo bot (runs in its own process) ----------------------------


def serve_baseline(port: int) -> None:
    from types import SimpleNamespace

    from botbuilder.core import ActivityHandler, TurnContext
    from botbuilder.integration.aiohttp import (
        CloudAdapter,
        ConfigurationBotFrameworkAuthentication,
    )

    class EchoBot(ActivityHandler):
        async def on_message_activity(self, turn_context: TurnContext) -> None:
            await turn_context.send_activity(f"echo: {turn_context.activity.text}")

    config = SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="")
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response or web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    web.run_app(app, host=HOST, port=port, print=None)


# --- the connector stand-in and the load -----------------------------------------------


class Connector:
    def __init__(self) -> None:
        self.replies = 0
        self.ids = itertools.count(1)
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, HOST, 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://{HOST}:{port}/"

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        if "/members/" in request.path:
            member_id = request.path.rsplit("/", 1)[-1]
            return web.json_response(
                {"id": member_id, "name": "Bench", "email": f"{member_id[-6:]}@example.com"}
            )
        self.replies += 1
        return web.json_response({"id": f"r{next(self.ids)}"})

    async def close(self) -> None:
        if self.runner:
            await self.runner.cleanup()


class Activities:
    def __init__(self, service_url: str) -> None:
        self.service_url = service_url
        self.ids = itertools.count(int(time.time() * 1000))

    def help(self) -> dict:
        n = next(self.ids)
        user = f"29:1bench{n % USERS}"
        return {
            "type": "message",
            "id": str(n),
            "text": "help",
            "textFormat": "plain",
            "locale": "en-US",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": user, "name": "Bench"},
            "recipient": {"id": "28:bench-bot", "name": "Elçi"},
            "conversation": {"conversationType": "personal", "id": f"a:{user}"},
            "channelData": {"tenant": {"id": "bench-tenant"}},
        }


async def one(session: aiohttp.ClientSession, url: str, activity: dict) -> float:
    started = time.perf_counter()
    async with session.post(url, json=activity) as response:
        await response.read()
        if response.status >= 300:
            raise RuntimeError(f"{url}: HTTP {response.status}")
    return time.perf_counter() - started


async def closed_loop(url: str, activities: Activities, count: int, limit_s: float):
    """``count`` requests, ``CONCURRENCY`` in flight; returns (rate, latencies)."""
    latencies: list[float] = []
    deadline = time.monotonic() + limit_s
    remaining = iter(range(count))
    async with aiohttp.ClientSession() as session:

        async def worker() -> None:
            for _ in remaining:
                if time.monotonic() > deadline:
                    return
                latencies.append(await one(session, url, activities.help()))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies


async def open_loop(url: str, activities: Activities, rate: float, seconds: float):
    """``rate`` requests per second for ``seconds``, whatever the answers take."""
    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        tasks = []
        for n in range(int(rate * seconds)):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(session, url, activities.help())))
        latencies = await asyncio.wait_for(asyncio.gather(*tasks), timeout=seconds + 30)
    return list(latencies)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- orchestration ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(kind: str, port: int, workdir: Path) -> subprocess.Popen:
    python = sys.executable
    if kind == "baseline":
        command = [python, __file__, "--serve-baseline", str(port)]
    else:
        command = [str(Path(python).with_name("elci")), "serve"]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MICROSOFT_", "SLACK_"))},
        "ELCI_HOST": HOST,
        "ELCI_PORT": str(port),
        "ELCI_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "ELCI_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        command, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def wait_until_up(url: str, activities: Activities, limit_s: float = 60) -> None:
    deadline = time.monotonic() + limit_s
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                await one(session, url, activities.help())
                return
            except (aiohttp.ClientError, RuntimeError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)


async def measure(kind: str, connector: Connector, quick: bool) -> dict[str, float]:
    port = free_port()
    url = f"http://{HOST}:{port}/api/messages"
    activities = Activities(connector.url)
    with tempfile.TemporaryDirectory() as workdir:
        server = start_server(kind, port, Path(workdir))
        try:
            await wait_until_up(url, activities)
            await closed_loop(url, activities, 100, 20)  # warm up
            before = connector.replies
            count = 400 if quick else 2000
            rate, loaded = await closed_loop(url, activities, count, 30)
            paced = await open_loop(url, activities, RATE, 4 if quick else 10)
            replies = connector.replies - before
        finally:
            server.terminate()
            server.wait(timeout=20)
    expected = len(loaded) + len(paced)
    if replies != expected:
        raise RuntimeError(f"{kind}: {replies} replies reached the connector, {expected} expected")
    return {
        "n_loaded": len(loaded),
        "n_paced": len(paced),
        "rate": rate,
        "p50_loaded": percentile(loaded, 50) * 1000,
        "p99_loaded": percentile(loaded, 99) * 1000,
        "p50_paced": percentile(paced, 50) * 1000,
        "p99_paced": percentile(paced, 99) * 1000,
        "mean_paced": statistics.fmean(paced) * 1000,
    }


async def main(quick: bool) -> None:
    connector = Connector()
    await connector.start()
    try:
        baseline = await measure("baseline", connector, quick)
        elci = await measure("elci", connector, quick)
    finally:
        await connector.close()
    rows = [
        ("help: activities/s, 16 in flight", "n_loaded", "rate", "{:.0f}"),
        ("help: p50 ms, 16 in flight", "n_loaded", "p50_loaded", "{:.1f}"),
        ("help: p99 ms, 16 in flight", "n_loaded", "p99_loaded", "{:.1f}"),
        (f"help: p50 ms at {RATE:.0f} activities/s", "n_paced", "p50_paced", "{:.1f}"),
        (f"help: p99 ms at {RATE:.0f} activities/s", "n_paced", "p99_paced", "{:.1f}"),
    ]
    print(f"Teams /api/messages, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}\n")
    print("| case | n | Elçi | baseline | ratio |")
    print("|---|---|---|---|---|")
    for label, n_key, key, fmt in rows:
        ratio = elci[key] / baseline[key] if baseline[key] else float("nan")
        print(
            f"| {label} | {int(elci[n_key])} | {fmt.format(elci[key])} | "
            f"{fmt.format(baseline[key])} | {ratio:.2f}× |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests (a smoke run)")
    parser.add_argument("--serve-baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve_baseline:
        serve_baseline(arguments.serve_baseline)
    else:
        asyncio.run(main(arguments.quick))
