"""``elci chat`` as a user runs it: a real process environment, a SQLite file, --say lines."""

from __future__ import annotations

from importlib.resources import files

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import main


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ELCI_DATABASE_URL", f"sqlite:///{tmp_path / 'chat.db'}")
    return CliRunner()


def test_help_prints_in_english_then_in_turkish(runner: CliRunner) -> None:
    result = runner.invoke(main, ["chat", "--as", "someone@example.com", "--say", "help"])
    assert result.exit_code == 0, result.output
    assert "What I can do" in result.output
    assert "lang tr|en — choose your language" in result.output

    result = runner.invoke(
        main, ["chat", "--as", "someone@example.com", "--say", "lang tr", "--say", "help"]
    )
    assert result.exit_code == 0, result.output
    assert "Neler yapabilirim" in result.output
    assert "help — bu listeyi gösterir" in result.output


def test_the_choice_outlives_the_process(runner: CliRunner) -> None:
    runner.invoke(main, ["chat", "--as", "someone@example.com", "--say", "lang tr"])
    result = runner.invoke(main, ["chat", "--as", "someone@example.com", "--say", "yardım"])
    assert "Neler yapabilirim" in result.output


def test_clicking_without_a_card_says_so(runner: CliRunner) -> None:
    result = runner.invoke(main, ["chat", "--as", "a@example.com", "--say", "!click 1"])
    assert result.exit_code == 0
    assert "! —" in result.output


def test_a_bad_configuration_stops_with_the_key_named(runner: CliRunner, tmp_path) -> None:
    raw = yaml.safe_load(files("bot").joinpath("default_config.yaml").read_text("utf-8"))
    raw["points"]["share_intent"] = "many"
    config = tmp_path / "elci.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    result = runner.invoke(
        main, ["chat", "--as", "a@example.com", "--say", "help"], env={"ELCI_CONFIG": str(config)}
    )
    assert result.exit_code == 1
    assert "configuration: points.share_intent: expected a whole number" in result.output
