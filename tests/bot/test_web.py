"""The HTTP server as an operator meets it: health answers, SIGTERM stops it cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.compose import build_web_app
from bot.config import Settings
from bot.i18n import Catalogs
from bot.outbound import Outbound
from bot.services import Services
from storage.engine import make_engine

ELCI = Path(sys.executable).with_name("elci")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_health_is_503_when_the_database_is_unreachable(make_services) -> None:
    settings = Settings(ELCI_DATABASE_URL="postgresql://nobody@127.0.0.1:9/none")
    engine = make_engine(settings.database_url, connect_args={"connect_timeout": 1})
    services = Services(settings, engine, make_services().router, Catalogs(), Outbound(engine))
    async with TestClient(TestServer(build_web_app(services))) as client:
        response = await client.get("/healthz")
        assert response.status == 503
        assert await response.json() == {"status": "degraded", "database": "unreachable"}


async def test_health_is_200_on_a_working_store(make_services) -> None:
    async with TestClient(TestServer(build_web_app(make_services()))) as client:
        response = await client.get("/healthz")
        assert response.status == 200
        assert await response.json() == {"status": "ok", "database": "ok"}


def test_serve_migrates_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "ELCI_PORT": str(port),
        "ELCI_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "SLACK_BOT_TOKEN": "xoxb-not-a-real-token-0000",
    }
    server = subprocess.Popen(
        [str(ELCI), "serve"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        body = wait_for_health(port)
        assert body == {"status": "ok", "database": "ok"}
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=20)
    assert server.returncode == 0, stderr
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    messages = [line["message"] for line in lines]
    assert "listening" in messages and messages[-1] == "stopped"
    assert "xoxb-not-a-real-token" not in stderr


def wait_for_health(port: int) -> dict:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                return json.load(reply)
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
