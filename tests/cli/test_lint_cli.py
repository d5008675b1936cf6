"""``elci lint`` as a script uses it: JSON findings, exit status 0/1/2, stdin or a file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import main

ID_AND_MOBILE = "Başvurum için TC kimlik no 10000000146, cep telefonum 0532 123 45 67.\n"


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ELCI_CONFIG", raising=False)
    return CliRunner()


def test_acceptance_an_id_and_a_mobile_are_exactly_two_kinds() -> None:
    """Through the installed console script, as the issue's acceptance check runs it."""
    elci = Path(sys.executable).with_name("elci")
    done = subprocess.run(
        [str(elci), "lint", "-", "--json"],
        input=ID_AND_MOBILE.encode(),
        capture_output=True,
        timeout=60,
    )
    findings = json.loads(done.stdout)
    assert sorted(f["kind"] for f in findings) == ["phone", "tckn"]
    for finding in findings:
        assert {"kind", "start", "end", "severity", "message"} <= finding.keys()
        assert ID_AND_MOBILE[finding["start"] : finding["end"]] == finding["text"]
    assert done.returncode == 1  # the ID blocks


def test_a_bad_checksum_reports_no_id_and_exits_0(runner: CliRunner) -> None:
    result = runner.invoke(main, ["lint", "-", "--json"], input="Sipariş 12345678901 yolda.\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == []


def test_warnings_alone_exit_0_and_read_a_file(runner: CliRunner, tmp_path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("Satır bir\nBana yazın: ayse@example.com\n", "utf-8")
    result = runner.invoke(main, ["lint", str(draft)])
    assert result.exit_code == 0
    assert result.output.startswith("2:13: warn email “ayse@example.com”: This is an email")


def test_messages_in_turkish(runner: CliRunner) -> None:
    result = runner.invoke(main, ["lint", "-", "--lang", "tr"], input="TC 10000000146")
    assert result.exit_code == 1
    assert "1:4: block tckn “10000000146”: Bu geçerli bir T.C. kimlik numarası" in result.output


def test_network_narrows_the_length_check(runner: CliRunner) -> None:
    long = "a" * 300
    assert runner.invoke(main, ["lint", "-", "--network", "linkedin"], input=long).exit_code == 0
    result = runner.invoke(main, ["lint", "-", "--network", "x", "--json"], input=long)
    assert result.exit_code == 1
    [finding] = json.loads(result.output)
    assert (finding["kind"], finding["start"], finding["end"]) == ("length", 280, 300)


def test_the_yaml_sets_severity(runner: CliRunner, tmp_path, monkeypatch) -> None:
    config = tmp_path / "elci.yaml"
    config.write_text(
        yaml.safe_dump({"departments": {}, "lint": {"severity": {"tckn": "warn"}}}), "utf-8"
    )
    monkeypatch.setenv("ELCI_CONFIG", str(config))
    result = runner.invoke(main, ["lint", "-", "--json"], input="TC 10000000146")
    assert result.exit_code == 0
    assert json.loads(result.output)[0]["severity"] == "warn"


def test_unreadable_input_and_bad_config_exit_2(runner: CliRunner, tmp_path, monkeypatch) -> None:
    missing = runner.invoke(main, ["lint", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2 and "cannot read" in missing.output
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\xff\xfe")
    assert runner.invoke(main, ["lint", str(binary)]).exit_code == 2
    config = tmp_path / "bad.yaml"
    config.write_text("lint: {severity: {tckn: sometimes}}\n", "utf-8")
    monkeypatch.setenv("ELCI_CONFIG", str(config))
    bad = runner.invoke(main, ["lint", "-"], input="x")
    assert bad.exit_code == 2 and "lint.severity.tckn" in bad.output
