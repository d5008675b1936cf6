"""Throughput through nginx with 1 and with 2 ``elci serve`` replicas on PostgreSQL.

In one run, on this machine, with deploy/local.py (deploy/nginx.conf itself on loopback,
one nginx worker process) and one PostgreSQL schema of its own:

- slash commands: a signed ``/elci help`` (``POST /slack/events``) replayed by wrk; the
  whole turn runs per request (signature, users.info from the Web API stand-in served by
  this script and cached, identity from the database, role check, help card in the ack);
- clicks: ``GET /r/{code}`` over 2,000 share links with a browser user agent, each request
  from its own X-Forwarded-For address (nginx is the trusted proxy, as deploy/README.md
  says to configure it); afterwards every answered click must be stored.

Two ``elci serve`` replicas and a bare aiohttp app (the same statuses, no work at all) run
throughout, each setup behind its own nginx with the same configuration: replica1 alone,
both replicas, the bare app. The setups are loaded in turn, round after round (``--rounds``,
the median is reported), so a change in the machine's background load hits all of them.
wrk (Debian package ``wrk``) 1 thread, 32 connections, ``--seconds`` per cell; without wrk
a Python client with the same connections does it (``--no-wrk``). Installs nothing.

    .venv/bin/python bench/replicas.py [--seconds 6] [--rounds 3] [--no-wrk]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import aiohttp
import yaml
from aiohttp import web
from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.slack_slash import EMAIL, USER, signed_request  # noqa: E402
from deploy.local import (  # noqa: E402
    HOST,
    Component,
    LocalDeployment,
    create_schema,
    free_port,
    nginx_binary,
    nginx_command,
    write_nginx_conf,
)
from storage.engine import make_engine  # noqa: E402
from storage.people import Person  # noqa: E402
from storage.tracking import Click  # noqa: E402
from tests.support.links import add_shared_links  # noqa: E402
from tests.support.slack_api import SlackApiStandIn  # noqa: E402
from tests.support.slack_wire import BOT_TOKEN, SIGNING_SECRET  # noqa: E402

POSTGRES = os.environ.get("ELCI_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
CONNECTIONS = 32
LINKS = 2000
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


@dataclass
class Result:
    rps: float
    answered: int  # requests with the expected status
    wrong: int  # any other status, or none


# --- the load ----------------------------------------------------------------------------


async def wrk(url: str, script: str, seconds: int, workdir: Path) -> Result:
    path = workdir / f"load-{uuid.uuid4().hex[:6]}.lua"
    path.write_text(script, "utf-8")
    proc = await asyncio.create_subprocess_exec(
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "-s",
        str(path),
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out = (await proc.communicate())[0].decode()
    done, rps = re.search(r"(\d+) requests in", out), re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not done or not rps:
        raise SystemExit(f"wrk said:\n{out}")
    wrong = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = (int(wrong.group(1)) if wrong else 0) + (
        sum(map(int, errors.groups())) if errors else 0
    )
    return Result(float(rps.group(1)), int(done.group(1)) - failed, failed)


def slash_script(body: bytes, headers: dict[str, str]) -> str:
    lines = ['wrk.method = "POST"', f"wrk.body = [[{body.decode()}]]"]
    lines += [f'wrk.headers["{key}"] = "{value}"' for key, value in headers.items()]
    return "\n".join(lines) + "\n"


def clicks_script(codes: list[str]) -> str:
    listed = ",".join(f'"{code}"' for code in codes)
    return (
        f"local codes = {{{listed}}}\nlocal i = 0\n"
        f'wrk.headers["User-Agent"] = "{BROWSER}"\n'
        "request = function()\n  i = i + 1\n"
        '  local address = "10." .. math.floor(i / 65536) % 256 .. "." .. '
        'math.floor(i / 256) % 256 .. "." .. i % 256\n'
        '  wrk.headers["X-Forwarded-For"] = address\n'
        '  return wrk.format("GET", "/r/" .. codes[i % #codes + 1])\nend\n'
    )


async def python_load(
    url: str, requests: list[tuple[str, str, dict[str, str], bytes]], expect: int, seconds: int
) -> Result:
    """wrk's closed loop in Python: CONNECTIONS clients cycling through ``requests``."""
    answered = wrong = 0
    counter = iter(range(10**9))
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client() -> None:
            nonlocal answered, wrong
            while time.perf_counter() < deadline:
                method, path, headers, body = requests[next(counter) % len(requests)]
                try:
                    async with session.request(
                        method,
                        url + path,
                        data=body or None,
                        headers=headers,
                        allow_redirects=False,
                    ) as reply:
                        await reply.read()
                        ok = reply.status == expect
                except aiohttp.ClientError:
                    ok = False
                answered += ok
                wrong += not ok

        await asyncio.gather(*(client() for _ in range(CONNECTIONS)))
    return Result(answered / seconds, answered, wrong)


@dataclass
class Load:
    slash: tuple[bytes, dict[str, str]]
    codes: list[str]
    seconds: int
    use_wrk: bool
    workdir: Path

    async def run(self, base: str, kind: str) -> Result:
        if kind == "slash":
            body, headers = self.slash
            if self.use_wrk:
                return await wrk(
                    f"{base}/slack/events", slash_script(body, headers), self.seconds, self.workdir
                )
            requests = [("POST", "/slack/events", headers, body)]
            return await python_load(base, requests, 200, self.seconds)
        if self.use_wrk:
            return await wrk(base, clicks_script(self.codes), self.seconds, self.workdir)
        requests = [
            (
                "GET",
                f"/r/{code}",
                {"User-Agent": BROWSER, "X-Forwarded-For": f"10.0.{n // 256 % 256}.{n % 256}"},
                b"",
            )
            for n, code in enumerate(self.codes)
        ]
        return await python_load(base, requests, 302, self.seconds)


# --- what is measured --------------------------------------------------------------------


def seed(url: str, folder: Path) -> list[str]:
    """The bench user (as in bench/slack_slash.py) and LINKS people's share links."""
    env = {**os.environ, "ELCI_DATABASE_URL": url}
    people = folder / "people.csv"
    rows = [f"{EMAIL},Bench Person,it,İzmir,Engineer,employee,en,Europe/Istanbul,,{USER}"]
    rows += [f"c{n}@example.com,Clicker {n},it,İzmir,,employee,en,,," for n in range(LINKS)]
    people.write_text(
        "email,name,department,location,title,roles,locale,timezone,"
        "manager_email,slack_user_id\n" + "\n".join(rows) + "\n",
        "utf-8",
    )
    elci = str(ROOT / ".venv" / "bin" / "elci")
    subprocess.run(
        [elci, "people", "import", str(people)],
        env=env,
        check=True,
        cwd=folder,
        stdout=subprocess.DEVNULL,
    )
    engine = make_engine(url)
    with engine.connect() as connection:
        people = connection.execute(select(Person.id).where(Person.email.like("c%@example.com")))  # type: ignore[attr-defined]
        codes = add_shared_links(engine, list(people.scalars()))
    engine.dispose()
    return codes


def stored_clicks(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = int(connection.execute(select(func.count()).select_from(Click)).scalar_one())
    engine.dispose()
    return count


def bench_config(folder: Path) -> Path:
    raw = yaml.safe_load(files("bot").joinpath("default_config.yaml").read_text("utf-8"))
    raw["tracking"] = {**raw.get("tracking", {}), "trusted_proxies": ["127.0.0.1"]}
    path = folder / "elci.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


def front(folder: Path, upstreams: list[str]) -> Component:
    """One more nginx with deploy/nginx.conf, in front of ``upstreams``."""
    binary = nginx_binary()
    assert binary is not None
    port = free_port()
    folder.mkdir(parents=True)
    conf = write_nginx_conf(folder, f"{HOST}:{port}", upstreams)
    health = f"http://{HOST}:{port}/healthz"
    return Component(
        "nginx", nginx_command(binary, folder, conf), dict(os.environ), folder / "nginx.log", health
    )


def base_url(nginx: Component) -> str:
    assert nginx.health_url is not None
    return nginx.health_url.removesuffix("/healthz")


async def measure(
    load: Load, url: str, api: SlackApiStandIn, folder: Path, rounds: int
) -> dict[str, dict[str, list[Result]]]:
    """{kind: {setup: [a Result per round]}}: two replicas and a bare app run throughout,
    with three nginx in front (replica1; both replicas; the bare app), loaded in turn,
    round after round, so a change in the machine's background load hits every setup."""
    env = {
        "ELCI_CONFIG": str(bench_config(folder)),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api.url,
        "MICROSOFT_APP_ID": "",
        "ELCI_LOG_LEVEL": "ERROR",
    }
    deployment = LocalDeployment(url, folder / "topology", 2, 0, env)
    ports = [deployment.components[n].env["ELCI_PORT"] for n in deployment.replica_names]
    app_port = free_port()
    bare = Component(
        "bare",
        [sys.executable, __file__, "--bare-app", str(app_port)],
        dict(os.environ),
        folder / "bare.log",
        f"http://{HOST}:{app_port}/healthz",
    )
    fronts = {
        "1 replica": front(folder / "one", [f"{HOST}:{ports[0]}"]),
        "2 replicas": deployment.components["nginx"],
        "bare": front(folder / "bare", [f"{HOST}:{app_port}"]),
    }
    results: dict[str, dict[str, list[Result]]] = {"slash": {}, "clicks": {}}
    await asyncio.to_thread(deployment.start)
    try:
        for component in (bare, fronts["1 replica"], fronts["bare"]):
            component.start(folder)
            await asyncio.to_thread(component.wait_healthy)
        for setup in ("1 replica", "2 replicas"):
            await check(base_url(fronts[setup]), load)
        for round_ in range(rounds):
            for kind, setup in itertools.product(results, fronts):
                before = stored_clicks(url)
                result = await load.run(base_url(fronts[setup]), kind)
                if kind == "clicks" and setup != "bare":
                    await asyncio.sleep(1)  # the last group commit
                    stored = stored_clicks(url) - before
                    if stored < result.answered:
                        raise SystemExit(
                            f"{setup}: {result.answered} clicks answered, {stored} stored"
                        )
                results[kind].setdefault(setup, []).append(result)
                print(
                    f"  round {round_ + 1}, {setup}, {kind}: {result.rps:,.0f}/s", file=sys.stderr
                )
    finally:
        for component in (fronts["1 replica"], fronts["bare"], bare):
            component.stop()
        await asyncio.to_thread(deployment.stop)
    return results


async def check(base: str, load: Load) -> None:
    """The first answers are the real thing: a help card, a redirect."""
    body, headers = load.slash
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base}/slack/events", data=body, headers=headers) as reply:
            answer = await reply.text()
            if reply.status != 200 or "blocks" not in answer:
                raise SystemExit(f"/elci help answered {reply.status}: {answer[:300]}")
        async with session.get(
            f"{base}/r/{load.codes[0]}", allow_redirects=False, headers={"User-Agent": BROWSER}
        ) as reply:
            if reply.status != 302:
                raise SystemExit(f"/r/ answered {reply.status}")


def bare_app(port: int) -> None:
    """What nginx fronts for the baseline: the same statuses, no work at all."""

    async def slash(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"response_type": "ephemeral", "text": "help", "blocks": []})

    async def redirect(_request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "https://example.com/plant"})

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", slash)
    app.router.add_get("/r/{code}", redirect)
    app.router.add_get("/healthz", health)
    web.run_app(app, host=HOST, port=port, print=None, access_log=None)


async def main(args: argparse.Namespace) -> None:
    if nginx_binary() is None:
        raise SystemExit("bench/replicas.py needs nginx: apt-get install nginx")
    use_wrk = not args.no_wrk and shutil.which("wrk") is not None
    api = SlackApiStandIn()
    await api.start()
    api.add_user(USER, EMAIL, name="Bench Person")
    schema = f"bench_replicas_{os.getpid()}"
    url = create_schema(POSTGRES, schema)
    try:
        with tempfile.TemporaryDirectory(prefix="elci-bench-") as tmp:
            folder = Path(tmp)
            codes = await asyncio.to_thread(seed, url, folder)
            load = Load(signed_request(api.response_url()), codes, args.seconds, use_wrk, folder)
            results = await measure(load, url, api, folder, args.rounds)
    finally:
        await api.close()
        engine = make_engine(POSTGRES)
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
    tool = f"wrk -t1 -c{CONNECTIONS}" if use_wrk else f"Python client, {CONNECTIONS} connections"
    print(
        f"{tool}, {args.seconds} s per cell, median of {args.rounds} interleaved rounds, "
        f"{os.cpu_count()} cores, nginx 1 worker, PostgreSQL\n"
    )
    print(
        "| load | 1 replica req/s | 2 replicas req/s | 2 / 1 | bare nginx → aiohttp req/s "
        "| 2 replicas / bare | failed (1, 2, bare) |"
    )
    print("|---|---|---|---|---|---|---|")
    for kind, name in (("slash", "`/elci help` (POST /slack/events)"), ("clicks", "GET /r/{code}")):
        one, two, bare = (
            median(results[kind][setup]) for setup in ("1 replica", "2 replicas", "bare")
        )
        failed = ", ".join(str(sum(r.wrong for r in results[kind][s])) for s in results[kind])
        print(
            f"| {name} | {one:,.0f} | {two:,.0f} | {two / one:.2f} | {bare:,.0f} | "
            f"{two / bare:.2f} | {failed} |"
        )


def median(results: list[Result]) -> float:
    return statistics.median(result.rps for result in results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-wrk", action="store_true", help="the Python client instead of wrk")
    parser.add_argument("--bare-app", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.bare_app:
        bare_app(arguments.bare_app)
    else:
        asyncio.run(main(arguments))
