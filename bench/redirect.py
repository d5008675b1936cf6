"""GET /r/{code}: Elçi's recorded redirect against a bare aiohttp 302, in the same run.

For each store (SQLite file; PostgreSQL when one answers at ELCI_BENCH_POSTGRES_URL or
127.0.0.1:5432), this seeds one item and 1,000 share links, starts ``elci serve`` and a
bare aiohttp server that answers the same 302 without recording anything, loads both with
wrk (Debian package ``wrk``; 1 thread, 16 connections, browser user agent, codes cycling),
and counts the clicks stored afterwards: every answered request must be a stored click.

A third server in the same run is the floor under any recorded redirect: a bare aiohttp
handler that, before its 302, durably stores one row in the same ``click`` table (same
indexes, same durability as Elçi's writer on each store), group-committed with every
concurrent request, on the event loop itself: no thread, no lookup, no visitor hash, no
points, no rate limit. Of the ways tried to store before answering (a writer thread, a
writer process, the event loop), this was the fastest, so the floor tells a slow Elçi from
a target that no handler which stores before it answers reaches on this machine.

Visitors come as if through a reverse proxy on 127.0.0.1 (``tracking.trusted_proxies``),
each request with an ``X-Forwarded-For`` from a pool of 10,000 addresses, so Elçi's
per-client rate limit is on the measured path without any one visitor reaching it. All
three servers get the same requests.

    .venv/bin/python bench/redirect.py [--seconds 10] [--connections 16] [--sqlite-only]

Load goes to 127.0.0.1 only, for a bounded time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path

import psycopg
import yaml
from aiohttp import web
from sqlalchemy import func, text
from sqlmodel import Session, select

from storage.content import ContentItem
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.people import Person, utcnow
from storage.tracking import Click, ShareIntent, ShareLink

ROOT = Path(__file__).resolve().parents[1]
BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36"
)
LINKS = 1000
VISITORS = 10_000  # distinct client addresses: about 2 requests/s each at 20,000 req/s


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(url: str) -> list[str]:
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        person = Person(email="bench@example.com", name="Bench", roles=["employee"])
        item = ContentItem(title="Bench", url="https://example.com/post?id=1", slug="bench")
        session.add(person)
        session.add(item)
        session.flush()
        codes = [uuid.uuid4().hex[:22] for _ in range(LINKS)]
        past = utcnow() - timedelta(hours=1)
        links = [
            ShareLink(code=code, item_id=item.id, person_id=person.id, network=f"n{index}")
            for index, code in enumerate(codes)
        ]
        session.add_all(links)
        session.flush()
        session.add_all(
            ShareIntent(
                code=link.code,
                item_id=item.id,
                person_id=person.id,
                network="linkedin",
                created_at=past,
            )
            for link in links
        )
        session.commit()
    engine.dispose()
    return codes


def clicks(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        total = session.exec(select(func.count()).select_from(Click)).one()
    engine.dispose()
    return total


def wait_ready(port: int, path: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def wrk(
    port: int, codes: list[str], seconds: int, connections: int, workdir: Path
) -> dict[str, float]:
    script = workdir / "codes.lua"
    listed = ",".join(f'"{code}"' for code in codes)
    script.write_text(
        f"local codes = {{{listed}}}\nlocal i = 0\nlocal v = 0\n"
        "request = function()\n  i = i % #codes + 1\n"
        f"  v = v % {VISITORS} + 1\n"
        '  local visitor = string.format("198.18.%d.%d", math.floor(v / 250), v % 250 + 1)\n'
        '  return wrk.format("GET", "/r/" .. codes[i],\n'
        f'    {{["User-Agent"] = "{BROWSER}", ["X-Forwarded-For"] = visitor}})\n'
        "end\n"
    )
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        "requests": requests,
        "failed": int(errors.group(1)) if errors else 0,
        "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def bare_server(port: int) -> None:
    async def redirect(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "https://example.com/post?id=1"})

    app = web.Application()
    app.router.add_get("/r/{code}", redirect)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def floor_server(port: int, url: str) -> None:
    """One durable INSERT per request, group-committed on the event loop, then the 302."""
    links, insert = _floor_links(url)
    pending: list[tuple[tuple[object, ...], asyncio.Future[None]]] = []
    arrived = asyncio.Event()

    async def redirect(request: web.Request) -> web.Response:
        item_id, person_id, network = links[request.match_info["code"]]
        at = datetime.now(UTC).replace(tzinfo=None)
        row = (request.match_info["code"], item_id, person_id, network, "GET", True, "desktop", at)
        done = asyncio.get_running_loop().create_future()
        pending.append((row, done))
        arrived.set()
        await done
        return web.Response(status=302, headers={"Location": "https://example.com/post?id=1"})

    async def commit_forever(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_floor_commits(url, insert, pending, arrived))
        yield
        task.cancel()

    app = web.Application()
    app.router.add_get("/r/{code}", redirect)
    app.cleanup_ctx.append(commit_forever)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def _floor_links(url: str) -> tuple[dict[str, tuple[int, int, str]], str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT code, item_id, person_id, network FROM sharelink"))
        links = {code: (item, person, network) for code, item, person, network in rows}
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    engine.dispose()
    columns = "code, item_id, person_id, network, method, human, agent_class, created_at"
    return links, f"INSERT INTO click ({columns}) VALUES ({', '.join([mark] * 8)})"


async def _floor_commits(
    url: str,
    insert: str,
    pending: list[tuple[tuple[object, ...], asyncio.Future[None]]],
    arrived: asyncio.Event,
) -> None:
    """Take everything waiting, store it in one transaction, release its requests."""
    store = await _floor_store(url, insert)
    while True:
        await arrived.wait()
        arrived.clear()
        await asyncio.sleep(0)  # let the requests already read join this batch
        batch, pending[:] = pending[:], []
        await store([row for row, _ in batch])
        for _, done in batch:
            done.set_result(None)


async def _floor_store(
    url: str, insert: str
) -> Callable[[list[tuple[object, ...]]], Awaitable[None]]:
    """One transaction per batch, with the durability Elçi's link writer uses."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")  # Elçi's settings: synchronous FULL
        connection.execute("PRAGMA foreign_keys=ON")

        async def on_sqlite(rows: list[tuple[object, ...]]) -> None:
            connection.execute("BEGIN")
            connection.executemany(insert, rows)
            connection.execute("COMMIT")

        return on_sqlite
    postgres = await psycopg.AsyncConnection.connect(url.replace("+psycopg", ""))
    await postgres.execute("SET synchronous_commit TO off")
    await postgres.commit()

    async def on_postgres(rows: list[tuple[object, ...]]) -> None:
        async with postgres.cursor() as cursor:
            await cursor.executemany(insert, rows)
        await postgres.commit()

    return on_postgres


def behind_proxy_config(workdir: Path) -> Path:
    """The shipped configuration, with the load generator's 127.0.0.1 as a trusted proxy."""
    raw = yaml.safe_load(files("bot").joinpath("default_config.yaml").read_text("utf-8"))
    raw["tracking"] = {**(raw.get("tracking") or {}), "trusted_proxies": ["127.0.0.1"]}
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


def run_store(name: str, url: str, args: argparse.Namespace, workdir: Path) -> list[str]:
    codes = seed(url)
    elci_port, floor_port, bare_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "ELCI_DATABASE_URL": url,
        "ELCI_PORT": str(elci_port),
        "ELCI_LOG_LEVEL": "WARNING",
        "ELCI_CONFIG": str(behind_proxy_config(workdir)),
    }
    elci = subprocess.Popen(
        [str(ROOT / ".venv/bin/elci"), "serve"], env=env, cwd=workdir, stderr=subprocess.DEVNULL
    )
    floor = subprocess.Popen([sys.executable, __file__, "--floor-server", str(floor_port), url])
    bare = subprocess.Popen(
        [sys.executable, __file__, "--bare-server", str(bare_port)], stderr=subprocess.DEVNULL
    )
    try:
        wait_ready(elci_port, "/healthz")
        wait_ready(floor_port, "/")
        wait_ready(bare_port, "/")
        ours = stored_measuring(url, elci.pid, elci_port, codes, args, workdir)
        least = stored_measuring(url, floor.pid, floor_port, codes, args, workdir)
        baseline = wrk_measuring(bare.pid, bare_port, codes, args, workdir)
    finally:
        for process in (elci, floor, bare):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    return [
        row(name, "Elçi /r", ours, baseline),
        row(name, "floor: one durable INSERT", least, baseline),
        row(name, "bare aiohttp 302", baseline, baseline),
    ]


def row(name: str, server: str, result: dict[str, float], baseline: dict[str, float]) -> str:
    stored = f"{result['stored']:.0f}" if "stored" in result else "—"
    return (
        f"| {name} | {server} | {result['rps']:.0f} | {result['p50']:.1f} | "
        f"{result['p99']:.1f} | {result['cpu_us']:.0f} | "
        f"{result['requests'] - result['failed']:.0f} | {stored} | "
        f"{result['rps'] / baseline['rps']:.0%} |"
    )


def stored_measuring(
    url: str, pid: int, port: int, codes: list[str], args: argparse.Namespace, workdir: Path
) -> dict[str, float]:
    """As ``wrk_measuring``, with the clicks the server stored meanwhile."""
    before = clicks(url)
    result = wrk_measuring(pid, port, codes, args, workdir)
    result["stored"] = clicks(url) - before
    return result


def wrk_measuring(
    pid: int, port: int, codes: list[str], args: argparse.Namespace, workdir: Path
) -> dict[str, float]:
    """wrk's figures, plus the server's CPU time (all its threads) per request: unlike
    throughput, it hardly depends on what else the machine is doing."""
    start = cpu_seconds(pid)
    result = wrk(port, codes, args.seconds, args.connections, workdir)
    result["cpu_us"] = (cpu_seconds(pid) - start) / max(result["requests"], 1) * 1e6
    return result


def cpu_seconds(pid: int) -> float:
    """User and system time of a process so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_url() -> str | None:
    base = os.environ.get("ELCI_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    engine = make_engine(base)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS elci_bench CASCADE"))
            connection.execute(text("CREATE SCHEMA elci_bench"))
    except Exception:
        return None
    finally:
        engine.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3Delci_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--floor-server", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        bare_server(args.bare_server)
        return
    if args.floor_server:
        floor_server(int(args.floor_server[0]), args.floor_server[1])
        return
    if not shutil.which("wrk"):
        sys.exit("bench/redirect.py needs wrk: apt-get install wrk")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    rows = [
        "| store | server | req/s | p50 ms | p99 ms | CPU µs/req | answered | clicks stored "
        "| vs bare |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        rows += run_store("SQLite", f"sqlite:///{workdir / 'bench.db'}", args, workdir)
        pg = None if args.sqlite_only else postgres_url()
        if pg:
            rows += run_store("PostgreSQL", pg, args, workdir)
    print(
        f"wrk -t1 -c{args.connections} -d{args.seconds}s, {os.cpu_count()} cores, "
        f"load average before the run {load}\n"
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
