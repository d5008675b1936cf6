"""Slack's side of the wire, for tests and benchmarks: credentials, signatures, payloads.

Shapes follow ``shared/specs/slack-samples`` (Slack's own payload samples), with values
filled in; ``sign`` adds the headers Slack signs every request with.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from typing import Any

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
TEAM = "T0ELCI001"
BOT_USER = "U0ELCIBOT"
APP_TOKEN = "xapp-1-A0ELCI-1234567890-abcdef0123456789"


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """The headers Slack adds: v0 HMAC-SHA256 over ``v0:{timestamp}:{body}``."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


def slash_command(text: str, user: str, channel: str, response_url: str) -> dict[str, str]:
    return {
        "token": "verification-token-unused",
        "api_app_id": "A0ELCI",
        "team_id": TEAM,
        "team_domain": "example",
        "channel_id": channel,
        "channel_name": "general",
        "user_id": user,
        "user_name": "ayse",
        "command": "/elci",
        "text": text,
        "response_url": response_url,
        "trigger_id": f"1337.{uuid.uuid4().int % 10**10}.abc",
        "is_enterprise_install": "false",
    }


def event_callback(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {
        "token": "verification-token-unused",
        "team_id": TEAM,
        "api_app_id": "A0ELCI",
        "type": "event_callback",
        "authorizations": [
            {"team_id": TEAM, "user_id": BOT_USER, "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
        "event_id": event_id,
        "event_time": int(time.time()),
        "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ",
        "event": event,
    }


def direct_message(text: str, user: str = "U0AYSE", channel: str = "D0AYSE") -> dict[str, Any]:
    ts = f"{time.time():.6f}"
    return {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "im",
        "team": TEAM,
    }


def mention(text: str, user: str = "U0AYSE", channel: str = "C0GENERAL") -> dict[str, Any]:
    ts = f"{time.time():.6f}"
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "event_ts": ts,
        "channel": channel,
        "team": TEAM,
    }


def home_opened(user: str = "U0AYSE", tab: str = "home") -> dict[str, Any]:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0AYSE",
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }


def block_actions(
    action_id: str,
    value: str = "",
    user: str = "U0AYSE",
    channel: str = "D0AYSE",
    message_ts: str = "1700000001.000100",
    response_url: str = "",
    ephemeral: bool = False,
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "example"},
        "user": {"id": user, "username": "ayse", "name": "ayse", "team_id": TEAM},
        "api_app_id": "A0ELCI",
        "token": "verification-token-unused",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": f"1337.{uuid.uuid4().int % 10**10}.abc",
        "channel": {"id": channel, "name": "directmessage"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "button", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def view_submission(
    view: dict[str, Any], values: dict[str, Any], user: str = "U0AYSE", view_id: str = "V0FORM"
) -> dict[str, Any]:
    """A submitted modal; ``values`` maps block id → Slack's typed element state."""
    state = {block: {"value": element} for block, element in values.items()}
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "example"},
        "user": {"id": user, "username": "ayse", "name": "ayse", "team_id": TEAM},
        "api_app_id": "A0ELCI",
        "token": "verification-token-unused",
        "trigger_id": f"1337.{uuid.uuid4().int % 10**10}.abc",
        "view": {**view, "id": view_id, "team_id": TEAM, "state": {"values": state}},
    }
