"""Stats cards and the dashboard link through Slack's and Teams' own payloads: the stand-ins
check every Block Kit block and Adaptive Card against the official schemas, and the chart
image each card links to is a PNG that Elçi serves to anyone holding the signed URL."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from storage.engine import session_scope
from storage.people import Person
from tests.kpis.dataset import seed

PNG = b"\x89PNG\r\n\x1a\n"
CHART = re.compile(r"http://127\.0\.0\.1:3978(/charts/[\w-]+\.png\?[^\"\s]+)")


def hr(engine) -> int:
    """The hand-worked data set, and Hande of HR; the data set's campaign id."""
    campaign_id = seed(engine).campaign_id
    with session_scope(engine) as db:
        db.add(Person(email="hande@example.com", name="Hande", roles=["employee", "hr"]))
    return campaign_id


async def everything_said(slack, response) -> str:
    await slack.settle()
    ack = await response.text()
    said = [json.loads(ack) if ack else None, *(body for _, body in slack.api.responses)]
    said += slack.api.called("chat.postMessage") + slack.api.called("chat.postEphemeral")
    return json.dumps(said, ensure_ascii=False)


async def test_stats_and_dashboard_on_slack(slack, engine) -> None:
    campaign_id = hr(engine)
    slack.api.add_user("U0HANDE", "hande@example.com", name="Hande İK")

    response = await slack.command(f"stats campaign {campaign_id}", user="U0HANDE", key="c")
    said = await everything_said(slack, response)
    assert f"Campaign #{campaign_id}:" in said and "40% (6 of 15 shared)" in said
    assert '"type": "image"' in said
    [chart] = CHART.findall(said)
    image = await slack.client.get(chart)
    assert image.status == 200 and (await image.read()).startswith(PNG)

    response = await slack.command("dashboard", user="U0HANDE", key="d")
    said = await everything_said(slack, response)
    [link] = re.findall(r"http://127\.0\.0\.1:3978(/admin/signin\?token=[\w-]+)", said)
    page = await slack.client.get(link)
    assert page.status == 200 and "Sign in to the Elçi dashboard" in await page.text()
    assert slack.api.violations == []


async def test_stats_and_dashboard_on_teams(teams, engine) -> None:
    campaign_id = hr(engine)
    hande = teams.user("hande@example.com", "Hande")

    await teams.say(hande, "stats departments")
    card = teams.connector.sent()[-1].cards[0]
    [image] = [e for e in card["body"] if e["type"] == "Image"]
    assert "/charts/departments.png?" in image["url"]
    shown = json.dumps(card, ensure_ascii=False)
    assert "Legal: hidden (fewer than 5 people)" in shown
    fetched = await teams.client.get(urlsplit(image["url"])._replace(scheme="", netloc="").geturl())
    assert fetched.status == 200 and (await fetched.read()).startswith(PNG)

    await teams.say(hande, "istatistik kampanya 999", locale="tr-TR")
    assert "#999 numaralı kampanya yok." in json.dumps(
        teams.connector.sent()[-1].body, ensure_ascii=False
    )

    await teams.say(hande, "dashboard")
    shown = json.dumps(teams.connector.sent()[-1].cards[0], ensure_ascii=False)
    assert re.search(
        r'"type": "Action.OpenUrl", [^}]*"url": "http://[^"]+/admin/signin\?token=', shown
    )

    await teams.say(hande, f"stats campaign {campaign_id}")
    shown = json.dumps(teams.connector.sent()[-1].cards[0], ensure_ascii=False)
    assert f"/charts/campaign-{campaign_id}.png?" in shown
