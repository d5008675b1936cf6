"""``elci manifest slack``: the keys Slack needs, and no Web API call without its scope."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from adapters.slack.manifest import BOT_SCOPES
from bot.cli import main
from tests.support.slack import METHOD_SCOPES

ADAPTER = Path(__file__).resolve().parents[3] / "adapters" / "slack"
EVENT_SCOPES = {"app_mention": "app_mentions:read", "message.im": "im:history"}


def manifest(*args: str) -> dict:
    result = CliRunner().invoke(main, ["manifest", "slack", *args])
    assert result.exit_code == 0, result.output
    return yaml.safe_load(result.output)


def test_the_manifest_has_what_slack_needs() -> None:
    data = manifest("--url", "https://example.org/")
    endpoint = "https://example.org/slack/events"
    assert data["display_information"]["name"] == "Elçi"
    assert data["features"]["bot_user"]["display_name"]
    assert data["features"]["app_home"]["messages_tab_enabled"] is True
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    [command] = data["features"]["slash_commands"]
    assert (command["command"], command["url"]) == ("/elci", endpoint)
    assert data["settings"]["event_subscriptions"]["request_url"] == endpoint
    assert set(data["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "message.im",
    }
    assert data["settings"]["interactivity"] == {"is_enabled": True, "request_url": endpoint}
    assert data["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)


def test_socket_mode_drops_the_request_urls() -> None:
    data = manifest("--url", "https://example.org", "--socket-mode")
    assert data["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in data["settings"]["event_subscriptions"]


def test_a_url_that_is_no_url_is_refused() -> None:
    result = CliRunner().invoke(main, ["manifest", "slack", "--url", "example.org"])
    assert result.exit_code != 0 and "https://" in result.output


def test_every_web_api_method_the_adapter_calls_has_its_scope_in_the_manifest() -> None:
    called = set()
    for source in ADAPTER.glob("*.py"):
        for name in re.findall(r"\bclient\.([a-z]+_[A-Za-z]+)\(", source.read_text("utf-8")):
            called.add(name.replace("_", ".", 1))
    assert {"chat.postMessage", "users.info", "views.open", "conversations.open"} <= called
    missing = sorted(m for m in called if m not in METHOD_SCOPES)
    assert not missing, f"add these methods and their scopes to METHOD_SCOPES: {missing}"
    for method in called:
        assert set(METHOD_SCOPES[method]) <= set(BOT_SCOPES), method
    data = manifest("--url", "https://example.org")
    for event in data["settings"]["event_subscriptions"]["bot_events"]:
        assert EVENT_SCOPES.get(event, "") in {*BOT_SCOPES, ""}, event
    assert "commands" in BOT_SCOPES
