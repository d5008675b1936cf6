"""``privacy`` through Slack's and Teams' own payloads: the card reaches the employee,
checked by the Block Kit and Adaptive Card stand-ins, and says what is kept about them."""

from __future__ import annotations

import json

from tests.support.privacy import AYSE, seed
from tests.support.slack import direct_message


async def test_privacy_on_slack(slack, engine) -> None:
    seed(engine)
    slack.api.add_user("U0AYSE", AYSE, name="Ayşe Yılmaz")
    await slack.event(direct_message("privacy"))
    await slack.settle()
    [posted] = slack.api.called("chat.postMessage")
    text = json.dumps(posted["blocks"], ensure_ascii=False)
    assert "What Elçi keeps about you, and who sees it" in text
    assert "Ayşe Yılmaz, ayse@example.com, department Marketing" in text
    assert "Clicks: 1, counted for you and for HR" in text and "Deleted after 90 days." in text


async def test_privacy_on_teams(teams, engine) -> None:
    seed(engine)
    ayse = teams.user(AYSE, "Ayşe")
    await teams.say(ayse, "gizlilik", locale="tr-TR")
    [card] = teams.connector.cards
    text = json.dumps(card, ensure_ascii=False)
    assert "Elçi'nin sizinle ilgili sakladıkları ve bunları kimin gördüğü" in text
    assert "Tıklama: 1" in text and "90 gün sonra silinir." in text
    assert "Talep: 1, yanıtlarıyla." in text
