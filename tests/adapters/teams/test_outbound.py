"""Proactive sends: through the stored reference, retried on throttling, permanent when the
user is gone; and the SDK clients built once, not per activity."""

from __future__ import annotations

import pytest

from adapters.teams.members import Member, MemberCache
from adapters.teams.retry import RetryPolicy, retry_after_of
from bot.replies import Card, Text
from bot.transport import DeliveryError
from tests.support.teams import TENANT, Fault, personal


async def installed(teams, email: str = "ayse@example.com"):
    user = teams.user(email, "Ayşe")
    for activity in teams.activities.installed(user):
        assert (await teams.post(activity)).status == 200
    return user


def reference(teams, user) -> dict:
    activity = teams.activities.message(user, "x")
    return {
        "serviceUrl": activity["serviceUrl"],
        "channelId": "msteams",
        "tenantId": TENANT,
        "conversation": personal(user),
        "user": user.account(),
        "bot": teams.activities.bot,
    }


async def test_429_is_retried_after_retry_after_then_delivered(teams, add_person) -> None:
    person = add_person("ayse@example.com")
    user = await installed(teams)
    teams.connector.fail("/activities", Fault(429, "Throttled", {"Retry-After": "2"}))
    assert await teams.services.outbound.send(person.id, Text("hello")) == "teams"
    attempts = [c for c in teams.connector.sent() if c.body.get("text") == "hello"]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[-1].path == f"/v3/conversations/{personal(user)['id']}/activities"
    assert teams.sleeps == [2.0]


async def test_transient_failures_back_off_and_finally_give_up(teams) -> None:
    user = teams.user("ayse@example.com", "Ayşe")
    teams.sender.policy = RetryPolicy(attempts=3, base_delay=0.5)
    teams.connector.fail("/activities", Fault(502), times=3)
    with pytest.raises(DeliveryError) as raised:
        await teams.sender.deliver(user.id, reference(teams, user), Text("hello"))
    assert raised.value.permanent is False
    assert len(teams.sleeps) == 2 and all(0.25 <= s <= 1.0 for s in teams.sleeps)
    assert len(teams.connector.sent()) == 3


@pytest.mark.parametrize(
    ("fault", "permanent"),
    [
        (Fault(403, "MessageWritesBlocked"), True),
        (Fault(403, "ConversationBlockedByUser"), True),
        (Fault(404, "ConversationNotFound"), True),
        (Fault(403, "SomethingElse"), False),
        (Fault(500), False),
    ],
)
async def test_failures_say_whether_retrying_can_help(teams, fault, permanent) -> None:
    user = teams.user("ayse@example.com", "Ayşe")
    teams.connector.fail("/activities", fault)
    with pytest.raises(DeliveryError) as raised:
        await teams.sender.deliver(user.id, reference(teams, user), Card("News"))
    assert raised.value.permanent is permanent
    assert teams.sleeps == []


async def test_a_long_retry_after_is_left_to_the_queue(teams) -> None:
    user = teams.user("ayse@example.com", "Ayşe")
    teams.connector.fail("/activities", Fault(429, "Throttled", {"Retry-After": "120"}))
    with pytest.raises(DeliveryError) as raised:
        await teams.sender.deliver(user.id, reference(teams, user), Text("hello"))
    assert raised.value.permanent is False and raised.value.retry_after == 120.0
    assert teams.sleeps == []


async def test_without_a_conversation_the_one_to_one_chat_is_created(teams) -> None:
    user = teams.user("ayse@example.com", "Ayşe")
    ref = reference(teams, user)
    del ref["conversation"]
    await teams.sender.deliver(user.id, ref, Card("Welcome aboard"))
    create, send = teams.connector.calls[-2:]
    assert (create.method, create.path) == ("POST", "/v3/conversations")
    assert create.body["members"] == [{"id": user.aad_object_id}]
    # Teams reads the tenant from channelData (botbuilder-schema spells the field tenantID).
    assert create.body["channelData"] == {"tenant": {"id": TENANT}}
    assert create.body["isGroup"] is False
    assert send.path == f"/v3/conversations/{create.answer['id']}/activities"
    assert send.cards and send.body["recipient"]["id"] == user.aad_object_id


async def test_no_reference_is_a_permanent_failure(teams) -> None:
    with pytest.raises(DeliveryError) as raised:
        await teams.sender.deliver("29:1nobody", None, Text("hello"))
    assert raised.value.permanent is True


async def test_connector_and_token_clients_are_built_once(teams) -> None:
    user = teams.user("john@example.com", "John")
    for _ in range(3):
        await teams.say(user, "help")
    routes = teams.client.server.app.router.routes()
    endpoint = next(r.handler.__self__ for r in routes if r.resource.canonical == "/api/messages")
    assert len(endpoint.auth.connectors) == 1
    assert len(endpoint.auth.token_clients) == 1
    (client,) = endpoint.auth.connectors.values()
    assert type(client.config.pipeline._sender).__name__ == "AiohttpSender"


async def test_member_answers_expire() -> None:
    now = [0.0]
    cache = MemberCache(ttl=10, miss_ttl=2, clock=lambda: now[0])
    cache.remember("t", "u", Member("a@example.com"))
    cache.remember("t", "gone", None)
    assert cache.cached("t", "u") == (True, Member("a@example.com"))
    now[0] = 3
    assert cache.cached("t", "gone") == (False, None)
    assert cache.cached("t", "u")[0] is True
    now[0] = 11
    assert cache.cached("t", "u") == (False, None)


def test_retry_after_reads_seconds_and_dates() -> None:
    class Response:
        def __init__(self, value: str) -> None:
            self.headers = {"Retry-After": value}

    class Failure(Exception):
        def __init__(self, value: str) -> None:
            self.response = Response(value)

    from datetime import UTC, datetime

    now = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
    assert retry_after_of(Failure("3")) == 3.0
    assert retry_after_of(Failure("Wed, 01 May 2024 10:00:05 GMT"), now) == 5.0
    assert retry_after_of(Failure("soon")) is None


async def test_closing_the_outbound_gives_back_the_teams_session(teams, add_person) -> None:
    """What ``elci worker`` does on its way out: no "Unclosed client session" at exit."""
    person = add_person("ayse@example.com")
    await installed(teams)
    assert await teams.services.outbound.send(person.id, Text("hello")) == "teams"
    session = teams.sender.connection.auth.sessions.get()
    assert not session.closed
    await teams.services.outbound.close()
    assert session.closed
