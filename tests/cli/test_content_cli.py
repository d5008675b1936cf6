"""``elci content`` as HR scripts it: ids printed, bad URLs refused, JSON for machines."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import main


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ELCI_DATABASE_URL", f"sqlite:///{tmp_path / 'content.db'}")
    return CliRunner()


def test_add_prints_the_id_and_list_shows_it(runner: CliRunner) -> None:
    added = runner.invoke(main, [
        "content", "add", "--title", "Yılın Şirketi", "--url", "https://example.com/a",
        "--caption", "Gurur duyuyoruz", "--caption", "Harika ekip", "--tag", "Ödül",
        "--audience", "department:sales", "--language", "tr", "--leader",
    ])  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.output.strip() == "1"
    listed = runner.invoke(main, ["content", "list", "--json"])
    [item] = json.loads(listed.output)
    assert item["title"] == "Yılın Şirketi" and item["slug"] == "yilin-sirketi"
    assert item["captions"] == {"any": ["Gurur duyuyoruz", "Harika ekip"]}
    assert item["audience"] == ["department:sales"] and item["tags"] == ["ödül"]
    assert item["leader"] is True and item["language"] == "tr"
    text = runner.invoke(main, ["content", "list"]).output
    assert text.startswith("1\ttr\tYılın Şirketi [leader]\thttps://example.com/a")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--url", "javascript:alert(1)"],
            "url: Give a web address starting with http:// or https://.",
        ),
        (["--url", "https://a.example@evil.com"], "url: Web addresses with a user name in them"),
        (
            ["--url", "https://e.com", "--audience", "department:nope"],
            "audience: unknown department",
        ),
        (["--url", "https://e.com", "--audience", "team:x"], "audience: use all, department:KEY"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(runner: CliRunner, args, message) -> None:
    result = runner.invoke(main, ["content", "add", "--title", "T", *args])
    assert result.exit_code == 1
    assert f"Error: nothing stored: {message}" in result.output
    assert json.loads(runner.invoke(main, ["content", "list", "--json"]).output) == []


def test_archive_takes_it_out_of_the_list(runner: CliRunner) -> None:
    runner.invoke(main, ["content", "add", "--title", "T", "--url", "https://e.com"])
    assert runner.invoke(main, ["content", "archive", "1"]).output == "archived 1\n"
    assert runner.invoke(main, ["content", "list"]).output == ""
    assert "[archived]" in runner.invoke(main, ["content", "list", "--all"]).output
    missing = runner.invoke(main, ["content", "archive", "9"])
    assert missing.exit_code == 1 and "no content item 9" in missing.output
