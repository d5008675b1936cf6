"""Campaign commands with Slack's own payloads: the form opens as a modal, the confirmation
and the status card are valid Block Kit (the stand-in checks every block), and Refresh
replaces the card in place."""

from __future__ import annotations

import json

from bot.config import load_config
from bot.delivery import ledger
from storage.engine import session_scope
from storage.people import Person
from tests.support.campaigns import add_content
from tests.support.slack import block_actions


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
