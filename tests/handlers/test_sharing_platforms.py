"""The advocacy loop on Slack and on Teams, with the payloads those platforms really send:
HR adds an item through the platform's form, an employee shares from the card's URL
button, a reader clicks, and the confirmation comes back in the employee's chat."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlmodel import col, select

from storage.engine import session_scope
from storage.people import Person
from storage.tracking import Click, ShareIntent
from tests.support.slack import block_actions, direct_message, view_submission
from tests.support.teams_wire import submit_data

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15"


def people(engine) -> None:
    with session_scope(engine) as db:
        db.add(Person(email="hr@example.com", name="Hande", roles=["employee", "hr"]))
        db.add(Person(email="can@example.com", name="Can", roles=["employee"]))


def a_minute_passes(engine) -> None:
    """Past the preview window: the next click is a person, not a link unfurler."""
    with session_scope(engine) as db:
        for intent in db.exec(select(ShareIntent)).all():
            intent.created_at -= timedelta(minutes=1)
            db.add(intent)


async def follow_the_share(client, share_url: str, engine) -> dict[str, list[str]]:
    """/s/{code} → the network's share page; then a reader's /r/{code} → the item, with UTM."""
    code = share_url.rsplit("/s/", 1)[1]
    shared = await client.get(f"/s/{code}", allow_redirects=False)
    assert shared.status == 302
    intent = urlsplit(shared.headers["Location"])
    assert intent.netloc == "www.linkedin.com"
    assert parse_qs(intent.query)["url"] == [f"http://127.0.0.1:3978/r/{code}"]
    a_minute_passes(engine)
    clicked = await client.get(f"/r/{code}", allow_redirects=False, headers={"User-Agent": BROWSER})
    assert clicked.status == 302
    target = urlsplit(clicked.headers["Location"])
    assert (target.netloc, target.path) == ("example.com", "/news")
    with session_scope(engine) as db:
        assert len(db.exec(select(Click).where(col(Click.human))).all()) == 1
    return parse_qs(target.query)


async def eventually(check) -> None:
    """The confirmation goes out after the redirect, not before: wait for it, briefly."""
    for _ in range(100):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("never happened")


def slack_text(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


async def test_the_loop_on_slack(slack, engine) -> None:
    people(engine)
    slack.api.add_user("U0HR", "hr@example.com", name="Hande İK")
    slack.api.add_user("U0CAN", "can@example.com", name="Can Demir")

    await slack.command("content add", user="U0HR")
    await slack.settle()
    [opened] = slack.api.called("views.open")
    values = {
        "title": slack_text("We won <!channel>"),
        "url": slack_text("https://example.com/news"),
        "summary": slack_text(None),
        "captions": slack_text("Proud of this team <!channel>\nWhat a year"),
        "language": {"type": "static_select", "selected_option": {"value": "en"}},
        "tags": slack_text("award"),
        "audience": slack_text(None),
        "image_url": slack_text(None),
        "expires_at": {"type": "datepicker", "selected_date": None},
        "leader": {"type": "checkboxes", "selected_options": []},
    }
    answer = await slack.interact(view_submission(opened["view"], values, user="U0HR"))
    assert answer.status == 200
    await slack.settle()

    await slack.event(direct_message("share", user="U0CAN", channel="D0CAN"))
    await slack.settle()
    card = slack.api.called("chat.postMessage")[-1]
    mrkdwn = [
        b["text"]["text"] for b in card["blocks"] if b.get("text", {}).get("type") == "mrkdwn"
    ]
    assert any("&lt;!channel&gt;" in text for text in mrkdwn)
    assert not any("<!channel>" in text for text in mrkdwn)
    buttons = [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    urls = {b["text"]["text"]: b.get("url") for b in buttons}
    assert set(urls) >= {"Share on LinkedIn", "Share on X", "Share on Facebook", "Another caption"}

    another = next(b for b in buttons if b["text"]["text"] == "Another caption")
    await slack.interact(
        block_actions(another["action_id"], another["value"], user="U0CAN", channel="D0CAN")
    )
    await slack.settle()
    [updated] = slack.api.called("chat.update")
    assert str(card["blocks"]) != str(updated["blocks"])

    query = await follow_the_share(slack.client, urls["Share on LinkedIn"], engine)
    assert query["utm_source"] == ["linkedin"] and query["utm_medium"] == ["employee_advocacy"]
    await eventually(lambda: "You shared" in slack.api.called("chat.postMessage")[-1]["text"])
    confirmation = slack.api.called("chat.postMessage")[-1]
    assert "You shared" in confirmation["text"] and "on LinkedIn. +5 points" in confirmation["text"]


async def test_the_loop_on_teams(teams) -> None:
    people(teams.engine)
    hr = teams.user("hr@example.com", "Hande")
    can = teams.user("can@example.com", "Can")

    await teams.say(hr, "content add")
    (form,) = teams.connector.sent()
    data = submit_data(form.cards[0], "Add")
    filled = {
        **data,
        "title": "We won [click](https://evil.example)",
        "url": "https://example.com/news",
        "captions": "Proud of this team",
        "language": "en",
        "leader": "false",
    }
    await teams.post(teams.activities.submit(hr, form.answer["id"], filled))
    assert any("Added #1" in str(call.body) for call in teams.connector.sent())

    await teams.say(can, "share")
    card = teams.connector.sent()[-1].cards[0]
    assert "[click](https://evil.example)" not in str(card)
    opens = {
        action["title"]: action["url"]
        for element in card["body"]
        for action in element.get("actions", ())
        if action["type"] == "Action.OpenUrl"
    }
    assert set(opens) == {"Share on LinkedIn", "Share on X", "Share on Facebook"}

    before = len(teams.connector.sent())
    query = await follow_the_share(teams.client, opens["Share on LinkedIn"], teams.engine)
    assert query["utm_source"] == ["linkedin"] and query["utm_campaign"] == [
        "we-won-click-https-evil-example"
    ]
    await eventually(lambda: len(teams.connector.sent()) > before)
    confirmation = teams.connector.sent()[-1]
    assert "You shared" in str(confirmation.body) and "on LinkedIn. +5 points" in str(
        confirmation.body
    )
