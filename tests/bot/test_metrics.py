"""``GET /metrics``: what a Slack event, a Teams event, a share and a click move, and what
never shows (secrets, what people typed)."""

from __future__ import annotations

import json

from prometheus_client.parser import text_string_to_metric_families

from storage.content import ContentItem
from storage.engine import session_scope
from storage.people import Person
from storage.tracking import ShareLink
from tests.support.logs import json_logs
from tests.support.slack import direct_message
from tests.support.slack_wire import BOT_TOKEN, SIGNING_SECRET

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CODE = "AbCdEfGhIjKlMnOpQrStUv"
ADMIN_TOKEN = "admin-token-that-must-never-leak-7f3a"


class Scrape:
    """The samples of one ``/metrics`` answer, by name and labels."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.samples = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    def value(self, name: str, **labels: str) -> float:
        return self.samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(client) -> Scrape:
    response = await client.get("/metrics")
    assert response.status == 200
    return Scrape(await response.text())


def a_link(engine) -> None:
    with session_scope(engine) as db:
        person = Person(email="can@example.com", name="Can", roles=["employee"])
        item = ContentItem(title="News", url="https://example.com/news", slug="news")
        db.add_all([person, item])
        db.flush()
        db.add(ShareLink(code=CODE, item_id=item.id, person_id=person.id, network="linkedin"))


async def test_a_slack_event_moves_events_and_latency_and_no_text_shows(slack) -> None:
    slack.api.add_user("U0AYSE", "ayse@example.com")
    before = await scrape(slack.client)
    await slack.event(direct_message("help"))
    await slack.event(direct_message("zanzibar-quokka-7731 please"))
    await slack.settle()
    after = await scrape(slack.client)
    events = ("elci_events_received_total", {"platform": "slack", "type": "Message"})
    assert after.value(*events[:1], **events[1]) - before.value(*events[:1], **events[1]) == 2
    help_count = {"kind": "command", "route": "help"}
    assert (
        after.value("elci_handler_seconds_count", **help_count)
        - before.value("elci_handler_seconds_count", **help_count)
        == 1
    )
    text = {"kind": "message", "route": "text"}
    assert after.value("elci_handler_seconds_count", **text) > before.value(
        "elci_handler_seconds_count", **text
    )
    assert "zanzibar" not in after.text and "U0AYSE" not in after.text
    assert BOT_TOKEN not in after.text and SIGNING_SECRET not in after.text


async def test_a_teams_event_moves_the_teams_series(teams_for, monkeypatch) -> None:
    monkeypatch.setenv("ELCI_ADMIN_TOKEN", ADMIN_TOKEN)
    teams = await teams_for()
    password = teams.services.settings.microsoft_app_password
    assert password is not None
    user = teams.user("ayse@example.com", "Ayşe")
    before = await scrape(teams.client)
    await teams.say(user, "help")
    after = await scrape(teams.client)
    labels = {"platform": "teams", "type": "Message"}
    assert (
        after.value("elci_events_received_total", **labels)
        - before.value("elci_events_received_total", **labels)
        == 1
    )
    assert after.value("elci_events_received_total", platform="slack", type="Message") == (
        before.value("elci_events_received_total", platform="slack", type="Message")
    )
    for secret in (ADMIN_TOKEN, password.get_secret_value(), "ayse@example.com", user.id):
        assert secret not in after.text


async def test_a_share_and_clicks_move_their_counters(slack, engine) -> None:
    a_link(engine)
    before = await scrape(slack.client)
    assert (await slack.client.get(f"/s/{CODE}", allow_redirects=False)).status == 302
    for agent in ("LinkedInBot/1.0 (compatible; Mozilla/5.0)", BROWSER):
        clicked = await slack.client.get(
            f"/r/{CODE}", allow_redirects=False, headers={"User-Agent": agent}
        )
        assert clicked.status == 302
    await slack.client.get("/r/ZZZZZZZZZZZZZZZZZZZZZZ", allow_redirects=False)  # unknown code
    after = await scrape(slack.client)

    def moved(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    assert moved("elci_share_intents_total", network="linkedin") == 1
    # The previewer came within the preview window, and so did the browser: neither is human.
    assert moved("elci_clicks_total", network="linkedin", human="false") == 2
    assert moved("elci_clicks_total", network="linkedin", human="true") == 0
    assert CODE not in after.text


def exploding_router():
    from bot.compose import build_router
    from bot.router import Router

    router = build_router()
    failing = Router()

    @failing.command("explode", summary="fails on purpose")
    async def explode(_ctx, _command) -> None:
        raise RuntimeError(f"boom with {BOT_TOKEN}")

    @failing.command("explode later", summary="a sub-command: its own route")
    async def explode_later(_ctx, _command) -> None:
        raise RuntimeError("later")

    router.include(failing)
    return router


async def test_a_failing_handler_is_counted_logged_as_json_and_apologized_for_on_slack(
    slack_for,
) -> None:
    slack = await slack_for(exploding_router())
    slack.api.add_user("U0AYSE", "ayse@example.com")
    before = await scrape(slack.client)
    with json_logs((BOT_TOKEN,)) as lines:
        await slack.event(direct_message("explode"))
        await slack.event(direct_message("explode later tonight"))
        await slack.settle()
    after = await scrape(slack.client)
    for route in ("explode", "explode later"):
        labels = {"kind": "command", "route": route}
        errors = after.value("elci_handler_errors_total", **labels)
        assert errors - before.value("elci_handler_errors_total", **labels) == 1
    assert "tonight" not in after.text
    failed = [line for line in lines if line["message"] == "handler failed"]
    assert sorted((f["level"], f["route"], f["platform"]) for f in failed) == [
        ("ERROR", "explode", "slack"), ("ERROR", "explode later", "slack")
    ]  # fmt: skip
    assert all("RuntimeError" in f["exc_info"] for f in failed)
    assert BOT_TOKEN not in json.dumps(lines)
    apologies = slack.api.called("chat.postMessage")
    assert len(apologies) == 2
    assert "Sorry, something went wrong on my side." in json.dumps(apologies[0])


async def test_a_failing_handler_on_teams_is_logged_and_answered_not_a_500(teams_for) -> None:
    teams = await teams_for(exploding_router())
    user = teams.user("ayse@example.com", "Ayşe")
    with json_logs() as lines:
        await teams.say(user, "explode", locale="tr-TR")  # asserts the 200
    [failed] = [line for line in lines if line["message"] == "handler failed"]
    assert (failed["route"], failed["platform"]) == ("explode", "teams")
    assert not [line for line in lines if line["name"] == "aiohttp.server"]
    sent = json.dumps([call.body for call in teams.connector.sent()], ensure_ascii=False)
    assert "Üzgünüm, bir şeyler ters gitti." in sent
