"""``elci campaign`` per the contract: create prints the id, send writes the ledger once,
status --json has total/sent/failed/pending, cancel and replay; on both stores."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import main
from storage.engine import make_engine, session_scope
from storage.people import Person
from tests.support.campaigns import add_audience, add_content
from tests.support.slack import BOT_TOKEN, SIGNING_SECRET


@pytest.fixture
def runner(database_url, tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ELCI_DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    monkeypatch.setenv("MICROSOFT_APP_ID", "")
    return CliRunner()


@pytest.fixture
def engine_of(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(main, ["campaign", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_create_send_status_cancel(runner, engine_of) -> None:
    add_audience(engine_of, 3, 0, roles={0: ["employee", "leader"]})
    item = add_content(engine_of)
    campaign = _ok(runner, "create", "--name", "Launch", "--content", str(item),
                   "--audience", "all", "--message", "Big day", "--kpi", "shares=50",
                   "--kpi", "participation_rate=0.4").strip()  # fmt: skip
    assert campaign.isdigit()
    from bot.delivery import ledger

    assert ledger.get(engine_of, int(campaign)).kpis == {"shares": 50, "participation_rate": 0.4}
    assert "3 recipients (slack: 3)" in _ok(runner, "send", campaign)
    again = runner.invoke(main, ["campaign", "send", campaign])
    assert again.exit_code == 1 and "not sent again" in again.output
    status = json.loads(_ok(runner, "status", campaign, "--json"))
    assert {k: status[k] for k in ("total", "sent", "failed", "pending")} == {
        "total": 3, "sent": 0, "failed": 0, "pending": 3}  # fmt: skip
    assert "cancelled" in _ok(runner, "cancel", campaign)
    status = json.loads(_ok(runner, "status", campaign, "--json"))
    assert (status["pending"], status["cancelled"], status["status"]) == (0, 3, "cancelled")
    assert "Launch" in _ok(runner, "list")


def test_bad_input_stores_nothing(runner, engine_of) -> None:
    item = add_content(engine_of)
    for args in (
        ["--name", "X", "--content", "999"],
        ["--name", "X", "--content", str(item), "--audience", "department:nowhere"],
        ["--name", "X", "--content", str(item), "--at", "tomorrow"],
        ["--name", "X", "--content", str(item), "--kpi", "likes=3"],
        ["--name", "X", "--content", str(item), "--kpi", "participation_rate=2"],
    ):
        result = runner.invoke(main, ["campaign", "create", *args])
        assert result.exit_code == 1 and "nothing stored" in result.output, result.output
    assert _ok(runner, "list") == ""
    missing = runner.invoke(main, ["campaign", "status", "42"])
    assert missing.exit_code == 1 and "no campaign 42" in missing.output


def test_a_scheduled_campaign_and_a_pilot(runner, engine_of) -> None:
    add_audience(engine_of, 2, 0, roles={0: ["employee", "group:pilot"]})
    item = add_content(engine_of)
    campaign = _ok(runner, "create", "--name", "Pilot", "--content", str(item),
                   "--pilot", "role:group:pilot", "--at", "2030-01-01T09:00").strip()  # fmt: skip
    assert "scheduled" in _ok(runner, "list")
    _ok(runner, "send", campaign)
    assert "released 1" in _ok(runner, "approve", campaign)
    assert "requeued 0" in _ok(runner, "replay", campaign)


def test_send_wait_shows_progress_until_nothing_is_pending(runner, engine_of) -> None:
    with session_scope(engine_of) as session:  # people with no account: failed at once
        session.add(Person(email="a@example.com", name="A"))
        session.add(Person(email="b@example.com", name="B"))
    item = add_content(engine_of)
    campaign = _ok(runner, "create", "--name", "Launch", "--content", str(item)).strip()
    output = _ok(runner, "send", campaign, "--wait")
    assert "2 recipients (unreachable: 2)" in output
    assert "delivering" in output and "sent 0, failed 2" in output
