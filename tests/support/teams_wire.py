"""Teams' wire formats for tests: the specs to check them against, users, and activities
as Teams posts them (personal chat, a team channel, card submits, ``adaptiveCard/action``
invokes, installation and conversation updates)."""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, validators

from adapters.teams.render import CARD_CONTENT_TYPE

SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs"
APP_ID = "8d3b6c1e-2f4a-4b5c-9d6e-7f8a9b0c1d2e"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
ISSUER = "https://api.botframework.com"
KEY_ID = "elci-test-key"
BOT_TOKEN = "outbound-token-for-the-connector"
ACTIVITY_LIMIT = 28 * 1024

# --- specs -----------------------------------------------------------------------------


@cache
def connector_spec() -> dict[str, Any]:
    return json.loads((SPECS / "botframework-connector-api.json").read_text("utf-8"))


@cache
def card_validator() -> Any:
    schema = json.loads((SPECS / "adaptive-card-1.5.json").read_text("utf-8"))
    return validators.validator_for(schema)(schema)


@cache
def definition_validator(name: str) -> Draft4Validator:
    """A validator for one Swagger definition (Swagger 2.0 schemas are JSON Schema draft 4)."""
    spec = connector_spec()
    return Draft4Validator({"$ref": f"#/definitions/{name}", "definitions": spec["definitions"]})


def card_violations(card: Any, where: str) -> list[str]:
    return [f"{where}: {e.message} at {list(e.path)}" for e in card_validator().iter_errors(card)]


def schema_violations(name: str, value: Any, where: str) -> list[str]:
    errors = definition_validator(name).iter_errors(value)
    return [f"{where}: {name}: {e.message} at {list(e.path)}" for e in errors]


def activity_cards(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The cards of an activity, or of the one a new conversation starts with."""
    activity = body.get("activity") or body
    return [
        a["content"]
        for a in activity.get("attachments") or ()
        if a.get("contentType") == CARD_CONTENT_TYPE
    ]


@dataclass
class TeamsUser:
    id: str
    name: str
    email: str
    aad_object_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def account(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id}


# --- activities as Teams sends them ----------------------------------------------------


class Activities:
    """Bot Framework activities in Teams' wire format, addressed to ``service_url``."""

    def __init__(self, service_url: str, bot_id: str = f"28:{APP_ID}") -> None:
        self.service_url = service_url
        self.bot = {"id": bot_id, "name": "Elçi"}
        self._ids = itertools.count(1_714_557_600_000)

    def _base(self, kind: str, user: TeamsUser, locale: str | None, **extra: Any) -> dict:
        activity: dict[str, Any] = {
            "type": kind,
            "id": str(next(self._ids)),
            "timestamp": "2024-05-01T10:00:00.000Z",
            "localTimestamp": "2024-05-01T13:00:00.000+03:00",
            "localTimezone": "Europe/Istanbul",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": user.account(),
            "recipient": dict(self.bot),
            "conversation": personal(user),
            "channelData": {"tenant": {"id": TENANT}},
        }
        if locale:
            activity["locale"] = locale
            activity["entities"] = [
                {
                    "type": "clientInfo",
                    "locale": locale,
                    "country": locale[-2:],
                    "platform": "Web",
                    "timezone": "Europe/Istanbul",
                }
            ]
        activity.update(extra)
        return activity

    def message(
        self, user: TeamsUser, text: str, locale: str | None = "en-US", **extra: Any
    ) -> dict:
        return self._base("message", user, locale, text=text, textFormat="plain", **extra)

    def channel_message(
        self,
        user: TeamsUser,
        text: str,
        team: str = "19:team@thread.tacv2",
        locale: str | None = "en-US",
    ) -> dict:
        """``@Elçi text`` in a team channel: the mention arrives inline and as an entity."""
        activity = self.message(user, f"<at>Elçi</at> {text}", locale)
        activity["conversation"] = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
            "id": f"{team};messageid={activity['id']}",
        }
        activity["channelData"] = {
            "teamsChannelId": team,
            "teamsTeamId": team,
            "channel": {"id": team},
            "team": {"id": team},
            "tenant": {"id": TENANT},
        }
        activity["entities"].append(
            {"type": "mention", "text": "<at>Elçi</at>", "mentioned": dict(self.bot)}
        )
        return activity

    def submit(
        self,
        user: TeamsUser,
        card_activity_id: str,
        value: dict[str, Any],
        locale: str | None = "en-US",
    ) -> dict:
        """An ``Action.Submit`` press: the action's data merged with the card's inputs."""
        activity = self._base("message", user, locale, replyToId=card_activity_id, value=value)
        activity["channelData"] = {
            "tenant": {"id": TENANT},
            "source": {"name": "message"},
            "legacy": {"replyToId": card_activity_id},
        }
        return activity

    def channel_submit(
        self, user: TeamsUser, card_activity_id: str, value: dict[str, Any], channel: str
    ) -> dict:
        """An ``Action.Submit`` press on a card Elçi posted in a team channel: the thread
        that card started is the conversation (``channel;messageid=card``)."""
        activity = self.submit(user, card_activity_id, value)
        activity["conversation"] = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
            "id": f"{channel};messageid={card_activity_id}",
        }
        activity["channelData"].update(channel={"id": channel}, team={"id": channel})
        return activity

    def execute(
        self,
        user: TeamsUser,
        card_activity_id: str,
        data: dict[str, Any],
        verb: str = "elci",
        locale: str | None = "en-US",
    ) -> dict:
        """An ``Action.Execute`` press: an ``adaptiveCard/action`` invoke."""
        value = {
            "action": {"type": "Action.Execute", "verb": verb, "data": data},
            "trigger": "manual",
        }
        return self._base(
            "invoke",
            user,
            locale,
            name="adaptiveCard/action",
            replyToId=card_activity_id,
            value=value,
        )

    def installed(self, user: TeamsUser, locale: str | None = "en-US") -> list[dict]:
        """What Teams sends when a user adds the app: installationUpdate, then the bot joins."""
        return [
            self._base("installationUpdate", user, locale, action="add"),
            self._base("conversationUpdate", user, locale, membersAdded=[dict(self.bot)]),
        ]


def personal(user: TeamsUser) -> dict[str, Any]:
    return {"conversationType": "personal", "tenantId": TENANT, "id": f"a:1{user.id[3:]}"}


# --- reading what Elçi sent ----------------------------------------------------------


def texts(card: dict[str, Any]) -> list[str]:
    """Every TextBlock text of a card, containers included, in order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def submit_data(card: dict[str, Any], title: str) -> dict[str, Any]:
    """The ``data`` of the card's Action.Submit titled ``title``."""
    for element in card["body"]:
        for action in element.get("actions", ()):
            if action["title"] == title:
                return action["data"]
    raise AssertionError(f"no button {title!r}")
