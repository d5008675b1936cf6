"""The blogger's whole flow with the platforms' own payloads: a Slack slash command, modals
(``view_submission``) and buttons (``block_actions``); Teams messages and ``Action.Submit``
on Adaptive Cards. Each side talks in its own DM; review cards arrive proactively."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from storage.content import ContentItem
from storage.drafts import Draft
from storage.engine import session_scope
from storage.people import Person
from tests.support.slack import block_actions, direct_message, view_submission
from tests.support.teams_wire import TeamsUser

ID_NUMBER = "10000000146"
LINK = "https://example.com/blog/new-office"


def add(engine, email: str, department: str, roles: list[str], name: str) -> None:
    with session_scope(engine) as db:
        db.add(Person(email=email, name=name, department=department, roles=["employee", *roles]))


def status(engine) -> str:
    with session_scope(engine) as db:
        return db.exec(select(Draft)).one().status


def walk_text(node: Any) -> str:
    return json.dumps(node, ensure_ascii=False)


# --- Slack ------------------------------------------------------------------------------


class SlackPerson:
    def __init__(self, slack, user: str) -> None:
        self.slack, self.user, self.channel = slack, user, "D" + user.lstrip("U")
        self.presses = 0
        self.pressed_ts = ""

    async def dm(self, text: str) -> None:
        await self.slack.event(direct_message(text, user=self.user, channel=self.channel))
        await self.slack.settle()

    def messages(self) -> list[dict[str, Any]]:
        sent = self.slack.api.called("chat.postMessage") + self.slack.api.called("chat.update")
        return [m for m in sent if m.get("channel") == self.channel]

    def button(self, action_id: str) -> dict[str, Any]:
        """The newest button with this action id in any message to me."""
        for message in reversed(self.messages()):
            for block in json.loads(json.dumps(message.get("blocks") or [])):
                for element in block.get("elements", ()):
                    if str(element.get("action_id", "")).endswith(action_id):
                        return element
        raise AssertionError(f"no {action_id} button for {self.user}")

    async def press(self, action_id: str) -> None:
        """Click the button; each click is on a message of its own ``ts`` (``pressed_ts``)."""
        button = self.button(action_id)
        self.presses += 1
        self.pressed_ts = f"17000{self.presses:05d}.000100"
        payload = block_actions(
            button["action_id"],
            button.get("value", ""),
            user=self.user,
            channel=self.channel,
            message_ts=self.pressed_ts,
        )
        assert (await self.slack.interact(payload)).status == 200
        await self.slack.settle()

    def updated_card(self) -> dict[str, Any]:
        """The newest ``chat.update`` in my DM: a card replaced in place."""
        updates = [m for m in self.slack.api.called("chat.update") if m["channel"] == self.channel]
        assert updates, f"no card of {self.user} was updated"
        return updates[-1]

    async def submit(self, values: dict[str, Any]) -> Any:
        """Fill the modal opened last with ``values`` (field name → value), as Slack sends it."""
        view = self.slack.api.called("views.open")[-1]["view"]
        state = {}
        for block in view["blocks"]:
            element = block.get("element") or {}
            name, kind = block.get("block_id"), element.get("type")
            if name is None or kind is None:
                continue
            value = values.get(name)
            if kind == "multi_static_select":
                state[name] = {
                    "type": kind,
                    "selected_options": [{"value": v} for v in value or []],
                }
            elif kind == "static_select":
                state[name] = {"type": kind, "selected_option": {"value": value} if value else None}
            elif kind == "datepicker":
                state[name] = {"type": kind, "selected_date": value}
            else:
                state[name] = {"type": kind, "value": value}
        response = await self.slack.interact(view_submission(view, state, user=self.user))
        await self.slack.settle()
        return response


DRAFT = {"title": "Our new office", "link": LINK, "networks": ["linkedin", "x"], "language": "en"}


async def test_the_flow_on_slack(slack, engine) -> None:
    add(engine, "ayse@example.com", "sales", ["blogger"], "Ayşe")
    add(engine, "mert@example.com", "marketing", ["reviewer"], "Mert")
    add(engine, "can@example.com", "sales", [], "Can")
    for user, email in (("U0AYSE", "ayse"), ("U0MERT", "mert"), ("U0CAN", "can")):
        slack.api.add_user(user, f"{email}@example.com")
    ayse, mert, can = (SlackPerson(slack, u) for u in ("U0AYSE", "U0MERT", "U0CAN"))
    for person in (ayse, mert, can):
        await person.dm("help")

    await slack.command("submit")  # the slash command opens the modal
    await slack.settle()
    await ayse.submit({**DRAFT, "body": f"Proud! ID {ID_NUMBER}"})
    assert f"“{ID_NUMBER}”" in walk_text(ayse.messages()[-1]) and status(engine) == "blocked"

    await ayse.press("drafts.edit")
    prefilled = slack.api.called("views.open")[-1]["view"]
    assert ID_NUMBER in walk_text(prefilled)  # the form comes back pre-filled
    await ayse.submit({**DRAFT, "body": "Proud of our new office!"})
    assert status(engine) == "in_review"
    assert "Review for Marketing: Our new office" in walk_text(mert.messages()[-1])

    await mert.press("review.changes")
    answer = await mert.submit({"comment": "Mention the team, please"})
    assert answer.status == 200 and await answer.read() == b""  # the modal closes
    assert "Changes requested: Our new office" in walk_text(ayse.messages()[-1])
    assert status(engine) == "changes_requested"
    review_card = mert.updated_card()  # the review card itself, buttons gone
    assert review_card["ts"] == mert.pressed_ts
    assert "You asked for changes: “Mention the team, please”" in walk_text(review_card)
    assert "review.approve" not in walk_text(review_card)

    await ayse.press("drafts.edit")
    await ayse.submit({**DRAFT, "body": "Proud of the team and our new office!"})
    await mert.press("review.approve")
    await mert.submit({"comment": "", "publish_date": None, "publish_time": ""})
    assert status(engine) == "published"
    review_card = mert.updated_card()
    assert review_card["ts"] == mert.pressed_ts and "You approved this on" in walk_text(review_card)
    assert "review.reject" not in walk_text(review_card)
    assert "Published: Our new office" in walk_text(ayse.messages())
    with session_scope(engine) as db:
        assert db.exec(select(ContentItem.title)).all() == ["Our new office"]

    await can.dm("share")
    assert "Our new office" in walk_text(can.messages()[-1])


# --- Teams ------------------------------------------------------------------------------


class TeamsPerson:
    def __init__(self, teams, email: str, name: str) -> None:
        self.teams, self.name = teams, name
        self.user: TeamsUser = teams.user(email, name)
        self.conversation = f"a:1{self.user.id[3:]}"

    async def say(self, text: str) -> None:
        await self.teams.say(self.user, text)

    def calls(self) -> list[Any]:
        return [c for c in self.teams.connector.sent() if self.conversation in c.path]

    def card_with(self, title: str) -> tuple[str, dict[str, Any]]:
        """The newest card to me with an Action.Submit titled ``title``: (activity id, card)."""
        for call in reversed(self.calls()):
            for card in call.cards:
                if title in [a.get("title") for a in actions(card)]:
                    activity_id = call.path.rsplit("/", 1)[-1] if call.method == "PUT" else None
                    return activity_id or call.answer["id"], card
        raise AssertionError(f"no {title!r} button for {self.name}")

    async def press(self, title: str, inputs: dict[str, Any] | None = None) -> str:
        """Press the button; returns the activity id of the card it was on."""
        activity_id, card = self.card_with(title)
        data = next(a["data"] for a in actions(card) if a.get("title") == title)
        activity = self.teams.activities.submit(self.user, activity_id, {**data, **(inputs or {})})
        response = await self.teams.post(activity)
        assert response.status == 200, await response.text()
        return activity_id

    def updates_of(self, activity_id: str) -> list[dict[str, Any]]:
        """The cards that replaced the activity ``activity_id`` in my chat, oldest first."""
        path = f"/v3/conversations/{self.conversation}/activities/{activity_id}"
        return [c.cards[0] for c in self.calls() if c.method == "PUT" and c.path == path]

    def said(self) -> str:
        return walk_text([c.body for c in self.calls()])


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


TEAMS_DRAFT = {"title": "Our new office", "link": LINK, "networks": "linkedin,x", "language": "en"}


async def test_the_flow_on_teams(teams, engine) -> None:
    add(engine, "ayse@example.com", "sales", ["blogger"], "Ayşe")
    add(engine, "mert@example.com", "marketing", ["reviewer"], "Mert")
    add(engine, "can@example.com", "sales", [], "Can")
    ayse = TeamsPerson(teams, "ayse@example.com", "Ayşe")
    mert = TeamsPerson(teams, "mert@example.com", "Mert")
    can = TeamsPerson(teams, "can@example.com", "Can")
    for person in (ayse, mert, can):
        await person.say("help")

    await ayse.say("submit")
    await ayse.press("Send to review", {**TEAMS_DRAFT, "body": f"Proud! ID {ID_NUMBER}"})
    assert f"“{ID_NUMBER}”" in ayse.said() and status(engine) == "blocked"

    await ayse.press("Edit")
    await ayse.press("Send to review", {**TEAMS_DRAFT, "body": "Proud of our new office!"})
    assert status(engine) == "in_review"
    assert "Review for Marketing: Our new office" in mert.said()

    review_card = await mert.press("Request changes")
    form = await mert.press("Send to the author", {"comment": "Mention the team, please"})
    assert "Changes requested: Our new office" in ayse.said()
    assert status(engine) == "changes_requested"
    [decided] = mert.updates_of(review_card)  # the review card itself, buttons gone
    assert "You asked for changes: “Mention the team, please”" in walk_text(decided)
    assert actions(decided) == []
    assert "✓" in walk_text(mert.updates_of(form)[-1])  # the form is closed

    await ayse.press("Edit")
    await ayse.press("Send to review", {**TEAMS_DRAFT, "body": "Proud of the team and office!"})
    review_card = await mert.press("Approve")
    await mert.press("Approve", {"comment": "", "publish_date": "", "publish_time": ""})
    assert status(engine) == "published"
    [decided] = mert.updates_of(review_card)
    assert "You approved this on" in walk_text(decided) and actions(decided) == []
    assert "Published: Our new office" in ayse.said()

    await can.say("share")
    assert "Our new office" in can.said()
