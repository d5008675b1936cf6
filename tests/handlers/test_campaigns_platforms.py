"""Campaign commands with the platforms' own payloads. Slack: the form opens as a modal,
the confirmation and the status card are valid Block Kit (the stand-in checks every block),
and Refresh replaces the card in place. Teams: the form is an Adaptive Card sent back with
Action.Submit, its errors re-render it, and the confirmation is replaced in place."""

from __future__ import annotations

import json

from bot.config import load_config
from bot.delivery import ledger
from storage.engine import session_scope
from storage.people import Person
from tests.support.campaigns import add_audience, add_content
from tests.support.slack import block_actions
from tests.support.teams_wire import submit_data


async def test_campaign_commands_on_slack(slack_for, engine) -> None:
    with session_scope(engine) as db:
        db.add(Person(email="hande@example.com", name="Hande", roles=["employee", "hr"]))
    item = add_content(engine)
    slack = await slack_for()
    slack.api.add_user("U0HANDE", "hande@example.com", name="Hande İK")

    assert (await slack.command("campaign new", user="U0HANDE")).status == 200
    await slack.settle()
    [opened] = slack.api.called("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert "New campaign" in json.dumps(view, ensure_ascii=False)

    created = ledger.create(engine, load_config(),
                            ledger.NewCampaign("Launch", [item]))  # fmt: skip
    response = await slack.command(f"campaign send {created.id}", user="U0HANDE", key="confirm")
    assert response.status == 200
    await slack.settle()
    card = json.loads(await response.text())  # the answer rides in the ack
    shown = json.dumps(card, ensure_ascii=False)
    assert "Send “Launch”?" in shown and "Estimated duration" in shown
    send = next(
        element
        for block in card["blocks"] if block["type"] == "actions"
        for element in block["elements"] if element["action_id"].endswith("campaign.confirm")
    )  # fmt: skip
    url = slack.api.response_url("sent")
    payload = block_actions(
        send["action_id"], send["value"], user="U0HANDE", response_url=url, ephemeral=True
    )
    assert (await slack.interact(payload)).status == 200
    await slack.settle()
    key, replaced = slack.api.responses[-1]
    assert key == "sent" and replaced["replace_original"] is True
    assert "Campaign #1: Launch" in json.dumps(replaced["blocks"], ensure_ascii=False)
    assert ledger.get(engine, created.id).status == "sending"


class TeamsHr:
    """HR in a Teams chat with Elçi: what it was sent, and its cards' buttons pressed."""

    def __init__(self, teams, user) -> None:
        self.teams, self.user = teams, user
        self.conversation = f"a:1{user.id[3:]}"

    def calls(self) -> list:
        return [c for c in self.teams.connector.sent() if self.conversation in c.path]

    def said(self) -> str:
        return json.dumps([c.body for c in self.calls()], ensure_ascii=False)

    def last_card(self) -> tuple[str, dict]:
        """The newest card sent to this chat (not an update): (activity id, card)."""
        call = next(c for c in reversed(self.calls()) if c.method == "POST" and c.cards)
        return call.answer["id"], call.cards[0]

    async def press(self, title: str, inputs: dict | None = None) -> str:
        activity_id, card = self.last_card()
        data = {**submit_data(card, title), **(inputs or {})}
        response = await self.teams.post(self.teams.activities.submit(self.user, activity_id, data))
        assert response.status == 200, await response.text()
        return activity_id

    def replaced(self, activity_id: str) -> str:
        path = f"/v3/conversations/{self.conversation}/activities/{activity_id}"
        return json.dumps([c.cards for c in self.calls() if c.method == "PUT" and c.path == path],
                          ensure_ascii=False)  # fmt: skip


FORM = {
    "name": "Launch", "purpose": "", "content": "1", "message": "Big day!", "audience": "all",
    "pilot": "role:group:pilot", "start": "", "shares": "50", "human_clicks": "",
    "participation_rate": "150", "time_to_first_share_hours": "",
}  # fmt: skip


async def test_campaign_commands_on_teams(teams, engine) -> None:
    """Every card below is checked by the connector stand-in against Adaptive Cards 1.5."""
    with session_scope(engine) as db:
        db.add(Person(email="hande@example.com", name="Hande", roles=["employee", "hr"]))
    add_content(engine)
    add_audience(engine, 0, 2, teams.connector.url, roles={0: ["employee", "group:pilot"]})
    hande = TeamsHr(teams, teams.user("hande@example.com", "Hande"))

    await teams.say(hande.user, "campaign new")
    _, form = hande.last_card()
    assert {"shares", "participation_rate"} <= {e.get("id") for e in form["body"]}
    form_id = await hande.press("Create", FORM)  # participation over 100: the form stays
    assert "Write a number from 0 to 100." in hande.replaced(form_id)
    assert ledger.list_campaigns(engine) == []
    await hande.press("Create", {**FORM, "participation_rate": "30"})
    assert "Campaign #1 “Launch” is ready" in hande.said()
    created = ledger.get(engine, 1)
    assert created.kpis == {"shares": 50, "participation_rate": 0.3}
    assert created.pilot == ["role:group:pilot"]

    await teams.say(hande.user, "campaign list")
    assert "#1 Launch — draft" in hande.said()

    await teams.say(hande.user, "campaign send 1")
    assert "Send “Launch”?" in hande.said() and "Microsoft Teams" in hande.said()
    confirm_id = await hande.press("Send")
    assert "Campaign #1: Launch" in hande.replaced(confirm_id)  # replaced in place
    assert ledger.get(engine, 1).status == "sending"

    await teams.say(hande.user, "campaign status 1")
    _, status = hande.last_card()
    assert "0 of 50 (0 %)" in json.dumps(status, ensure_ascii=False)

    await teams.say(hande.user, "campaign approve 1")  # the pilot went well: the rest
    assert "Approved: 2 more people will get campaign #1." in hande.said()

    await teams.say(hande.user, "campaign cancel 1")
    assert "Campaign #1 is cancelled" in hande.said()
    assert ledger.get(engine, 1).status == "cancelled"
