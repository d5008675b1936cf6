"""``elci report campaign|people|departments`` on the hand-worked data set, on both stores:
the figures a reader sees, CSV that parses back, spreadsheet-safe cells, clear errors."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from bot.cli import main
from storage.engine import session_scope
from storage.people import Person
from tests.kpis.dataset import Seeded, seed

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def seeded(engine: Engine) -> Seeded:
    return seed(engine)


@pytest.fixture
def runner(database_url: str, tmp_path, monkeypatch) -> CliRunner:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ELCI_DATABASE_URL", database_url)
    return CliRunner()


def report(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(main, ["report", *args])
    assert result.exit_code == 0, result.output
    return result.output


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_campaign_table_shows_key_figures_and_hides_small_groups(
    runner: CliRunner, seeded: Seeded
) -> None:
    text = report(runner, "campaign", str(seeded.campaign_id))
    lines = text.splitlines()
    assert any(line.split() == ["reach", "15"] for line in lines)
    assert any(line.split() == ["earned_media_USD", "71.19"] for line in lines)
    assert any(line.split()[:3] == ["shares", "10.00", "8.00"] for line in lines)
    assert any(line.split() == ["legal", *["suppressed"] * 6] for line in lines)
    assert any(line.split()[:4] == ["pilot", "5", "3", "60.00"] for line in lines)


def test_campaign_csv_is_one_tidy_table(runner: CliRunner, seeded: Seeded) -> None:
    table = rows(report(runner, "campaign", str(seeded.campaign_id), "--csv"))
    assert table[0] == ["section", "group", "metric", "value"]
    cells = {(section, group, metric): value for section, group, metric, value in table[1:]}
    title = f"campaign {seeded.campaign_id}"
    assert cells[(title, "", "reach")] == "15"
    assert cells[(title, "", "participation_%")] == "40.0"
    assert cells[("networks", "linkedin", "shares")] == "5"
    assert cells[("targets", "shares", "met")] == "no"
    assert cells[("departments", "legal", "recipients")] == "suppressed"
    assert cells[("locations", "İstanbul", "sharers")] == "5"
    assert cells[("days", "2026-11-03", "human_clicks")] == "2"


def test_a_period_narrows_the_report(runner: CliRunner, seeded: Seeded) -> None:
    args = ("campaign", str(seeded.campaign_id), "--csv", "--since", "2026-11-03T09:00")
    cells = {(s, g, m): v for s, g, m, v in rows(report(runner, *args))[1:]}
    assert cells[(f"campaign {seeded.campaign_id}", "", "shares")] == "4"


def test_unknown_campaign_and_bad_dates_are_refused(runner: CliRunner, seeded: Seeded) -> None:
    missing = runner.invoke(main, ["report", "campaign", "999"])
    assert missing.exit_code == 1 and "no campaign 999" in missing.output
    bad = runner.invoke(main, ["report", "people", "--since", "last week"])
    assert bad.exit_code == 2 and "not an ISO-8601 date" in bad.output
    backwards = runner.invoke(
        main, ["report", "people", "--since", "2026-11-05", "--until", "2026-11-01"]
    )
    assert backwards.exit_code == 2 and "ends before it starts" in backwards.output


def test_people_report(runner: CliRunner, seeded: Seeded) -> None:
    table = rows(report(runner, "people", "--csv"))
    header, first = table[0], dict(zip(table[0], table[1], strict=True))
    assert header[:3] == ["rank", "name", "email"]
    assert (first["rank"], first["email"], first["points"], first["linkedin"]) == (
        "1", "p1@example.com", "12", "1",
    )  # fmt: skip
    assert "p3@example.com" not in {row[2] for row in table}  # left the leaderboards
    assert "Kişi 1" in report(runner, "people")


def test_departments_report(runner: CliRunner, seeded: Seeded) -> None:
    table = rows(report(runner, "departments", "--csv"))
    by_key = {row[0]: dict(zip(table[0], row, strict=True)) for row in table[1:]}
    it, legal = by_key["it"], by_key["legal"]
    assert (it["people"], it["sharers"], it["requests"], it["sla_breaches"]) == ("6", "3", "3", "2")
    assert (legal["people"], legal["requests"]) == ("suppressed", "1")
    assert by_key["marketing"]["sla_h"] == "24.0"


NASTY = {
    '=HYPERLINK("http://evil","x")': '\'=HYPERLINK("http://evil","x")',
    "+90 555 000 00 00": "'+90 555 000 00 00",
    "-Şükrü Öztürk": "'-Şükrü Öztürk",
    "@SUM(A1:A9)": "'@SUM(A1:A9)",
    "\tİpek": "'\tİpek",
    "\rÇağla": "'\rÇağla",
    "Gülşen =1+1": "Gülşen =1+1",  # only the first character matters
    'Ayşe, "Tanrıkulu"\nYılmaz': 'Ayşe, "Tanrıkulu"\nYılmaz',  # quoted, not broken
}


def test_csv_cells_never_start_a_formula(runner: CliRunner, engine: Engine, seeded: Seeded) -> None:
    with session_scope(engine) as session:
        for n, name in enumerate(NASTY):
            session.add(Person(email=f"nasty{n}@example.com", name=name, location="@İzmir",
                               department="sales", roles=["employee"]))  # fmt: skip
    table = rows(report(runner, "people", "--csv"))
    names = {row[2]: row[1] for row in table[1:]}
    for n, expected in enumerate(NASTY.values()):
        assert names[f"nasty{n}@example.com"] == expected
    for row in table:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell
    locations = {row[4] for row in table[1:]}
    assert "'@İzmir" in locations


def test_excel_gets_the_same_csv_behind_a_byte_order_mark(
    runner: CliRunner, seeded: Seeded
) -> None:
    """Excel opens a CSV without the mark in the legacy code page: "Kişi" becomes "KiÅŸi"."""
    for command in (("people",), ("departments",), ("campaign", str(seeded.campaign_id))):
        plain = report(runner, *command, "--csv")
        excel = report(runner, *command, "--excel")
        assert not plain.startswith("\ufeff")
        assert excel == "\ufeff" + plain
    people = report(runner, "people", "--excel").encode("utf-8")
    assert people.startswith(b"\xef\xbb\xbf") and "Kişi 1" in people.decode("utf-8-sig")
    assert "\ufeff" not in report(runner, "people")  # the text table stays as it was
