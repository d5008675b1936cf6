"""A signed ``/elci help`` slash command: Elçi's /slack/events against a bare slack-bolt app.

In one run, on this machine, each server in its own process on 127.0.0.1:
- Elçi: ``elci serve`` with Slack enabled, on a SQLite file (and on PostgreSQL when one
  answers at ELCI_BENCH_POSTGRES_URL or 127.0.0.1:5432), the directory holding the bench
  user, the Web API being the test suite's stand-in (tests/support/slack_api.py) served from
  this process. The whole turn runs per request: signature check, users.info (cached),
  identity from the database, role check, help card, Block Kit, the reply in the ack.
- bare bolt: a slack-bolt ``AsyncApp`` on aiohttp answering ``/elci`` with a fixed text in
  its ack, as bolt's docs write it (default settings); and the same app with
  ``process_before_response=True``, which skips bolt's 10 ms ack polling, for reference.

Two loads per server, both bounded in count and time:
- throughput: wrk (Debian package ``wrk``), 1 thread, 16 connections, 10 s, one signed
  request replayed (Slack signatures stay valid for 5 minutes); without wrk, a Python
  closed-loop client with 16 connections does the same.
- latency at a fixed 100 requests/s for 10 s (1,000 requests), from a Python open-loop
  client that times each request from when it was due, so a stall is never hidden.

    .venv/bin/python bench/slack_slash.py [--seconds 10] [--rate 100] [--no-wrk]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.slack_api import SlackApiStandIn  # noqa: E402
from tests.support.slack_wire import (  # noqa: E402
    BOT_TOKEN,
    SIGNING_SECRET,
    sign,
    slash_command,
)

USER = "U0BENCH"
EMAIL = "bench@example.com"
CONNECTIONS = 16


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def signed_request(response_url: str) -> tuple[bytes, dict[str, str]]:
    body = urlencode(slash_command("help", USER, "C0BENCH", response_url))
    headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    return body.encode(), headers


async def wait_ready(port: int, proc: subprocess.Popen[Any], deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    async with aiohttp.ClientSession() as session:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"server on port {port} exited with {proc.returncode}")
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"server on port {port} did not start")
            await asyncio.sleep(0.2)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def check_answer(url: str, body: bytes, headers: dict[str, str], expect: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        text = await response.text()
    if response.status != 200 or expect not in text:
        raise SystemExit(f"{url} answered {response.status}: {text[:300]}")


async def closed_loop(
    url: str, body: bytes, headers: dict[str, str], seconds: float
) -> dict[str, float]:
    """Python stand-in for wrk: CONNECTIONS clients, each sending as soon as answered."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    errors += response.status != 200
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(client() for _ in range(CONNECTIONS)))
    return {
        "n": len(latencies),
        "rps": len(latencies) / seconds,
        "p50": percentile(latencies, 0.5) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "errors": errors,
    }


async def with_wrk(
    url: str, body: bytes, headers: dict[str, str], seconds: float, workdir: Path
) -> dict[str, float]:
    lines = ['wrk.method = "POST"', f"wrk.body = [[{body.decode()}]]"]
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    script = workdir / "slash.lua"
    script.write_text("\n".join(lines) + "\n")
    proc = await asyncio.create_subprocess_exec(
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{int(seconds)}s",
        "--latency",
        "-s",
        str(script),
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out = (await proc.communicate())[0].decode()
    done = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not done or not rps:
        raise SystemExit(f"wrk said:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "n": int(done.group(1)),
        "rps": float(rps.group(1)),
        "p50": _wrk_ms(out, "50%"),
        "p99": _wrk_ms(out, "99%"),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def _wrk_ms(out: str, label: str) -> float:
    found = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    if not found:
        return float("nan")
    value, unit = float(found.group(1)), found.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


async def fixed_rate(
    url: str, body: bytes, headers: dict[str, str], rate: float, seconds: float
) -> dict[str, float]:
    """Open loop: request i is due at i/rate; its latency counts from then."""
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        start = time.perf_counter() + 0.1

        async def one(due: float) -> None:
            nonlocal errors
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                errors += response.status != 200
            latencies.append(time.perf_counter() - due)

        await asyncio.wait_for(
            asyncio.gather(*(one(start + i / rate) for i in range(total))), seconds + 30
        )
    return {
        "n": total,
        "p50": percentile(latencies, 0.5) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "errors": errors,
    }


def postgres_url() -> str | None:
    url = os.environ.get("ELCI_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    ready = shutil.which("pg_isready")
    if ready and subprocess.run([ready, "-q", "-h", "127.0.0.1"]).returncode == 0:
        return url
    return None


def fresh_postgres(url: str) -> str:
    """A schema of its own, so the bench never touches another database's tables."""
    from sqlalchemy import text

    from storage.engine import make_engine

    schema = f"bench_{os.getpid()}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return f"{url}?options=-csearch_path%3D{schema}"


def drop_postgres(url: str) -> None:
    from sqlalchemy import text

    from storage.engine import make_engine

    base, _, query = url.partition("?")
    schema = query.rsplit("%3D", 1)[-1]
    engine = make_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def start_elci(database_url: str, api_url: str, workdir: Path) -> tuple[subprocess.Popen[Any], int]:
    elci = str(Path(sys.executable).with_name("elci"))
    env = {
        **os.environ,
        "ELCI_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
    }
    env.pop("SLACK_APP_TOKEN", None)
    people = workdir / "people.csv"
    people.write_text(
        "email,name,department,location,title,roles,locale,timezone,manager_email,slack_user_id\n"
        f"{EMAIL},Bench Person,it,İzmir,Engineer,employee,en,Europe/Istanbul,,{USER}\n"
    )
    subprocess.run(
        [elci, "people", "import", str(people)],
        env=env,
        cwd=workdir,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    env["ELCI_PORT"] = str(port)
    log = (workdir / f"elci-{port}.log").open("w")
    proc = subprocess.Popen([elci, "serve"], env=env, cwd=workdir, stderr=log)
    return proc, port


def start_bare_bolt(api_url: str, before_response: bool) -> tuple[subprocess.Popen[Any], int]:
    port = free_port()
    mode = ["--process-before-response"] if before_response else []
    command = [sys.executable, __file__, "--bare-bolt", str(port), api_url, *mode]
    return subprocess.Popen(command, stderr=subprocess.DEVNULL), port


def bare_bolt(port: int, api_url: str, before_response: bool) -> None:
    """The baseline: bolt's documented aiohttp set-up, answering /elci in the ack."""
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(
        client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url),
        signing_secret=SIGNING_SECRET,
        process_before_response=before_response,
    )

    @bolt.command("/elci")
    async def elci(ack: Any) -> None:
        await ack("What I can do: help — show this list; lang tr|en — choose your language")

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", health)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


async def measure(
    name: str,
    proc: subprocess.Popen[Any],
    port: int,
    expect: str,
    api: SlackApiStandIn,
    args: argparse.Namespace,
    workdir: Path,
) -> dict[str, dict[str, float]]:
    try:
        await wait_ready(port, proc)
        url = f"http://127.0.0.1:{port}/slack/events"
        body, headers = signed_request(api.response_url("bench"))
        await check_answer(url, body, headers, expect)
        await closed_loop(url, body, headers, 1.0)  # warm-up
        if args.wrk:
            load = await with_wrk(url, body, headers, args.seconds, workdir)
        else:
            load = await closed_loop(url, body, headers, args.seconds)
        steady = await fixed_rate(url, body, headers, args.rate, args.seconds)
        print(
            f"  {name}: {load['rps']:.0f} req/s, p99 {steady['p99']:.1f} ms at {args.rate:g}/s",
            file=sys.stderr,
        )
        return {"load": load, "steady": steady}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def table(
    store: str,
    ours: dict[str, dict[str, float]],
    base: dict[str, dict[str, float]],
    ref: dict[str, dict[str, float]],
    args: argparse.Namespace,
) -> list[str]:
    tool = "wrk -t1 -c16" if args.wrk else "python client, 16 conns"
    rows = [
        ("throughput, req/s", "load", "rps", "rps"),
        ("p50 ms under full load", "load", "p50", "ms"),
        ("p99 ms under full load", "load", "p99", "ms"),
        (f"p50 ms at {args.rate:g} req/s", "steady", "p50", "ms"),
        (f"p99 ms at {args.rate:g} req/s", "steady", "p99", "ms"),
    ]
    lines = [
        f"\n**{store}** — {tool}, {args.seconds:g} s; fixed rate {args.rate:g} req/s for "
        f"{args.seconds:g} s\n",
        "| case | n | Elçi | bare bolt | ratio | bare bolt, process_before_response |",
        "|---|---|---|---|---|---|",
    ]
    for label, part, key, _ in rows:
        mine, theirs, other = ours[part][key], base[part][key], ref[part][key]
        n = int(ours[part]["n"])
        lines.append(
            f"| {label} | {n} | {mine:.1f} | {theirs:.1f} | {mine / theirs:.2f} | {other:.1f} |"
        )
    errors = sum(int(r[p]["errors"]) for r in (ours, base, ref) for p in ("load", "steady"))
    if errors:
        lines.append(f"\n{errors} requests were not answered 200.")
    return lines


async def run(args: argparse.Namespace) -> None:
    api = SlackApiStandIn()
    await api.start()
    api.add_user(USER, EMAIL, locale="en-US", name="Bench Person")
    stores = [("SQLite", None)]
    if (pg := postgres_url()) and not args.sqlite_only:
        stores.append(("PostgreSQL", pg))
    print(f"{os.cpu_count()} cores; Python {sys.version.split()[0]}", file=sys.stderr)
    output: list[str] = []
    with tempfile.TemporaryDirectory(prefix="elci-bench-") as tmp:
        workdir = Path(tmp)
        base = await measure(
            "bare bolt", *start_bare_bolt(api.url, False), "What I can do", api, args, workdir
        )
        ref = await measure(
            "bare bolt, process_before_response",
            *start_bare_bolt(api.url, True),
            "What I can do",
            api,
            args,
            workdir,
        )
        for store, url in stores:
            database = f"sqlite:///{workdir / 'bench.db'}" if url is None else fresh_postgres(url)
            try:
                proc, port = start_elci(database, api.url, workdir)
                ours = await measure(
                    f"Elçi on {store}", proc, port, "What I can do", api, args, workdir
                )
            finally:
                if url is not None:
                    drop_postgres(database)
            output += table(store, ours, base, ref, args)
    await api.close()
    if api.violations:
        raise SystemExit("the Web API stand-in saw invalid calls:\n" + "\n".join(api.violations))
    print("\n".join(output))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--bare-bolt":
        bare_bolt(int(sys.argv[2]), sys.argv[3], "--process-before-response" in sys.argv)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each load")
    parser.add_argument("--rate", type=float, default=100.0, help="fixed request rate")
    parser.add_argument("--no-wrk", dest="wrk", action="store_false", help="Python client only")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    args.seconds = min(max(args.seconds, 1.0), 60.0)
    args.rate = min(max(args.rate, 1.0), 500.0)
    if args.wrk and not shutil.which("wrk"):
        print("wrk not found (apt-get install wrk); using the Python client", file=sys.stderr)
        args.wrk = False
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
