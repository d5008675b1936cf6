"""With SLACK_APP_TOKEN, Elçi also takes Slack's requests over Socket Mode (no public URL)."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestServer

from bot.compose import build_services, build_web_app
from tests.support.slack import APP_TOKEN, slack_settings, slash_command


async def test_a_slash_command_over_socket_mode_is_answered_in_its_ack(
    sqlite_engine, slack_api
) -> None:
    slack_api.add_user("U0AYSE", "ayse@example.com")
    services = build_services(slack_settings(sqlite_engine, slack_api, APP_TOKEN), sqlite_engine)
    server = TestServer(build_web_app(services), host="127.0.0.1")
    await server.start_server()
    try:
        for _ in range(100):
            if slack_api.socket is not None:
                break
            await asyncio.sleep(0.05)
        payload = slash_command("help", "U0AYSE", "C0GENERAL", slack_api.response_url())
        await slack_api.push("slash_commands", payload, "env-1")
        for _ in range(100):
            if slack_api.socket_replies:
                break
            await asyncio.sleep(0.05)
    finally:
        await server.close()
    [reply] = slack_api.socket_replies
    assert reply["envelope_id"] == "env-1"
    assert "What I can do" in str(reply["payload"])
    assert slack_api.called("apps.connections.open") == [{}]
