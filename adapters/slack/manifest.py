"""``elci manifest slack --url PUBLIC_URL``: the Slack app manifest that installs Elçi.

Paste the YAML at api.slack.com/apps → "Create New App" → "From a manifest". It asks for
only the scopes the adapter's Web API calls and event subscriptions need; a test fails
when the code calls a method whose scope is missing here.
"""

from __future__ import annotations

from typing import Any

import click
import yaml

from adapters.slack.app import COMMAND, PATH
from adapters.slack.inbound import EVENTS

BOT_SCOPES = (
    "app_mentions:read",  # app_mention events
    "chat:write",  # chat.postMessage, chat.update
    "commands",  # the /elci slash command
    "im:history",  # message.im events; a DM read back after a crash (no second answer)
    "im:write",  # conversations.open for a person's DM
    "users:read",  # users.info: name, locale, time zone
    "users:read.email",  # users.info: the email that links a person to the directory
)
BOT_EVENTS = tuple(
    {"message": "message.im"}.get(event_type, event_type) for event_type in sorted(EVENTS)
)


def to_manifest(url: str, name: str = "Elçi", socket_mode: bool = False) -> dict[str, Any]:
    endpoint = url.rstrip("/") + PATH
    command: dict[str, Any] = {
        "command": COMMAND,
        "description": "Elçi: share, write, ask (help for more)",
        "usage_hint": "help",
        "should_escape": False,
    }
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if not socket_mode:
        command["url"] = endpoint
        events["request_url"] = endpoint
        interactivity["request_url"] = endpoint
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": "Employee advocacy: news to share, drafts to review, help to ask.",
            "background_color": "#1f3a5f",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


@click.command("slack")
@click.option(
    "--url", required=True, help="Public base URL of `elci serve`, e.g. https://elci.example.org"
)
@click.option("--name", default="Elçi", show_default=True, help="App and bot display name.")
@click.option("--socket-mode", is_flag=True, help="Connect by Socket Mode (SLACK_APP_TOKEN).")
def slack_manifest(url: str, name: str, socket_mode: bool) -> None:
    """Print the Slack app manifest (YAML) for Elçi at URL."""
    if not url.startswith(("https://", "http://")):
        raise click.BadParameter(
            "give the public base URL, starting with https://", param_hint="--url"
        )
    manifest = to_manifest(url, name, socket_mode)
    click.echo(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True), nl=False)
