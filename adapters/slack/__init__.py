"""Slack: Elçi as a Slack app (slash command, DMs, mentions, buttons, modals, App Home).

Converters in ``inbound`` (payload → neutral event) and ``render``/``forms`` (neutral reply
→ Block Kit), the per-turn ``transport``, the proactive ``sender``, the bolt wiring in
``app`` and the install ``manifest``. Every slack_bolt/slack_sdk import of the project
lives in this package.
"""

from adapters.slack.app import SlackAdapter, mount
from adapters.slack.manifest import slack_manifest
from adapters.slack.sender import SlackSender

__all__ = ["SlackAdapter", "SlackSender", "mount", "slack_manifest"]
