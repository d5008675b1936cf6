"""``elci serve`` with Slack enabled, as an operator runs it: a real port, SIGTERM to stop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from tests.support.slack import BOT_TOKEN, SIGNING_SECRET, sign, slash_command

ELCI = Path(sys.executable).with_name("elci")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_serve_answers_slack_and_stops_cleanly(tmp_path: Path, slack_api) -> None:
    slack_api.add_user("U0AYSE", "ayse@example.com")
    port = free_port()
    env = {
        **os.environ,
        "ELCI_PORT": str(port),
        "ELCI_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.url,
    }
    env.pop("SLACK_APP_TOKEN", None)
    server = subprocess.Popen(
        [str(ELCI), "serve"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    body = urlencode(slash_command("help", "U0AYSE", "C0GENERAL", slack_api.response_url()))
    headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(150):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as health:
                        if health.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.2)
            url = f"http://127.0.0.1:{port}/slack/events"
            async with session.post(url, data=body, headers=headers) as answer:
                assert answer.status == 200
                assert "What I can do" in await answer.text()
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.to_thread(server.communicate, timeout=30)
    assert server.returncode == 0, stderr
    assert BOT_TOKEN not in stderr and SIGNING_SECRET not in stderr
