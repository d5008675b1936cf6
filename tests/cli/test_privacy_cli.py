"""``elci export --person`` and ``elci erase --person`` as HR or an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.cli import main
from bot.config import load_config
from tests.support.privacy import AYSE, DRAFT_BODY, everything, seed


@pytest.fixture
def seeded(engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("ELCI_CONFIG", raising=False)
    monkeypatch.setenv("ELCI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return seed(engine)


def elci(*args: str, answer: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=answer)


def test_export_writes_json_to_stdout_or_a_file(seeded, tmp_path: Path) -> None:
    shown = elci("export", "--person", AYSE)
    assert shown.exit_code == 0, shown.output
    held = json.loads(shown.stdout)
    assert held["email"] == AYSE
    assert held["tables"]["draftversion"][0]["body"] == DRAFT_BODY
    out = tmp_path / "ayse.json"
    written = elci("export", "--person", "AYSE@example.com", "--out", str(out))
    assert written.exit_code == 0, written.output
    assert json.loads(out.read_text("utf-8"))["tables"] == held["tables"]


@pytest.mark.parametrize("command", [("export",), ("erase", "--yes")])
def test_an_unknown_email_is_an_error_and_changes_nothing(seeded, engine, command) -> None:
    before = everything(engine)
    result = elci(*command, "--person", "nobody@example.com")
    assert result.exit_code != 0
    assert "no one with the email nobody@example.com" in result.output
    assert everything(engine) == before


def test_erase_asks_first_and_a_no_changes_nothing(seeded, engine) -> None:
    before = everything(engine)
    result = elci("erase", "--person", AYSE, answer="n\n")
    assert result.exit_code != 0
    assert "Erase Ayşe Yılmaz <ayse@example.com>" in result.output
    assert everything(engine) == before


def test_erase_says_what_it_did_per_table(seeded, engine) -> None:
    result = elci("erase", "--person", AYSE, answer="y\n")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for line in (
        "platformaccount: deleted 2",
        "person.manager_email: cleared in 1",
        "audience selectors: pointed at the tombstone in 3",
        "draftversion: text removed from 1",
        "shareintent: kept anonymously 1",
        "person: anonymised 1",
    ):
        assert line in lines
    assert lines[-1].startswith(f"erased {AYSE}; the directory keeps person #{seeded.ayse}")
    assert AYSE not in everything(engine)
    again = elci("erase", "--person", AYSE, "--yes")
    assert again.exit_code != 0 and "no one with the email" in again.output


def test_erase_says_where_the_configuration_still_names_them(
    seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = load_config().raw
    raw["departments"]["it"].update(agents=[AYSE.upper()], lead=AYSE)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    monkeypatch.setenv("ELCI_CONFIG", str(config))
    result = elci("erase", "--person", AYSE, "--yes")
    assert result.exit_code == 0, result.output
    assert "still named in the configuration at departments.it.agents: remove it there" in (
        result.output
    )
    assert "still named in the configuration at departments.it.lead" in result.output


def test_a_bad_privacy_section_stops_the_bot_at_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ELCI_DATABASE_URL", f"sqlite:///{tmp_path / 'elci.db'}")
    raw = load_config().raw
    raw["privacy"] = {"click_retention_days": -1}
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    monkeypatch.setenv("ELCI_CONFIG", str(config))
    result = elci("chat", "--as", "a@example.com", "--say", "help")
    assert result.exit_code == 1
    assert "configuration: privacy.click_retention_days: Input should be greater than 0" in (
        result.output
    )
