"""``elci db upgrade`` and ``elci people import`` as an operator runs them."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session, func, select

from bot.cli import db, people
from storage.engine import make_engine
from storage.migrate import current_heads, script_heads
from storage.people import Department, Person

HEADER = "email,name,department,location,title,roles,locale,timezone,manager_email,slack_user_id\n"
AYSE = "ayse@example.com,Ayşe Yılmaz,marketing,İstanbul,Brand Lead,blogger,tr,Europe/Istanbul,,\n"
CEM = "Cem@Example.com,Cem Kaya,sales,Ankara,,leader;reviewer,en,,ayse@example.com,U1\n"


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite file as ELCI_DATABASE_URL, in a folder with no stray ``.env``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ELCI_CONFIG", raising=False)
    url = f"sqlite:///{tmp_path / 'elci.db'}"
    monkeypatch.setenv("ELCI_DATABASE_URL", url)
    return url


def elci(*args: str) -> Result:
    group = click.Group("elci")
    db.register(group)
    people.register(group)
    return CliRunner().invoke(group, list(args))


def import_file(tmp_path: Path, data: bytes) -> Result:
    path = tmp_path / "people.csv"
    path.write_bytes(data)
    return elci("people", "import", str(path))


def count(url: str, table: type[Person] | type[Department]) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return session.exec(select(func.count()).select_from(table)).one()
    finally:
        engine.dispose()


def test_db_upgrade_migrates_and_syncs_departments(url: str) -> None:
    result = elci("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"database at revision {script_heads()[0]}; 10 departments configured\n"
    assert current_heads(url) == script_heads()
    assert count(url, Department) == 10
    assert elci("db", "upgrade").exit_code == 0


def test_good_file_imports(url: str, tmp_path: Path) -> None:
    result = import_file(tmp_path, (HEADER + AYSE + CEM).encode())
    assert result.exit_code == 0, result.output
    assert result.stdout == "created 2, updated 0, unchanged 0\n"
    assert count(url, Person) == 2


def test_second_import_changes_nothing(url: str, tmp_path: Path) -> None:
    data = (HEADER + AYSE + CEM).encode()
    import_file(tmp_path, data)
    result = import_file(tmp_path, data)
    assert result.exit_code == 0, result.output
    assert result.stdout == "created 0, updated 0, unchanged 2\n"


def test_one_bad_row_imports_nothing(url: str, tmp_path: Path) -> None:
    result = import_file(tmp_path, (HEADER + AYSE + CEM.replace("leader", "boss")).encode())
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "line 3: unknown role(s) boss; use employee, blogger, reviewer, agent, hr, leader "
        "or group:NAME",
        "1 error(s); nothing imported",
    ]
    assert count(url, Person) == 0


def test_every_error_on_its_own_line(url: str, tmp_path: Path) -> None:
    bad = HEADER + AYSE.replace("tr,", "de,") + "x,,,,,,,,,\n" + CEM
    result = import_file(tmp_path, bad.encode())
    assert result.exit_code == 1
    assert [line.split(":")[0] for line in result.stderr.splitlines()[:-1]] == [
        "line 2", "line 3", "line 3"]
    assert count(url, Person) == 0


def test_file_with_byte_order_mark(url: str, tmp_path: Path) -> None:
    result = import_file(tmp_path, b"\xef\xbb\xbf" + (HEADER + AYSE).encode())
    assert result.exit_code == 0, result.output
    assert result.stdout == "created 1, updated 0, unchanged 0\n"


def test_file_not_in_utf8(url: str, tmp_path: Path) -> None:
    result = import_file(tmp_path, (HEADER + CEM + AYSE).encode("iso-8859-9"))
    assert result.exit_code == 1
    assert result.stderr.startswith("line 3: the file is not valid UTF-8 here")
    assert count(url, Person) == 0
