"""``import_people``: every bad line reported, nothing half-imported, re-runs change nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import Config, Department, load_config
from bot.directory import COLUMNS, ImportReport, import_people, sync_departments
from storage.engine import session_scope
from storage.people import Department as DepartmentRow
from storage.people import Person, person_by_email

AYSE = {
    "email": "Ayse.Yilmaz@Example.com", "name": "Ayşe Yılmaz", "department": "marketing",
    "location": "İstanbul", "title": "Brand Manager", "roles": "blogger; group:pilot",
    "locale": "tr", "timezone": "Europe/Istanbul", "manager_email": "cem@example.com",
    "slack_user_id": "U024BE7LH",
}  # fmt: skip
CEM = {
    "email": "cem@example.com", "name": "Cem Kaya", "department": "", "location": "",
    "title": "", "roles": "", "locale": "", "timezone": "", "manager_email": "",
    "slack_user_id": "",
}  # fmt: skip


@pytest.fixture
def config() -> Config:
    return load_config()


def csv_bytes(rows: Sequence[dict[str, str]], header: Sequence[str] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[row.get(column, "") for column in header] for row in rows])
    return out.getvalue().encode("utf-8")


def run(engine: Engine, config: Config, tmp_path: Path, data: bytes) -> ImportReport:
    path = tmp_path / "people.csv"
    path.write_bytes(data)
    return import_people(engine, path, config)


def people(engine: Engine) -> dict[str, Person]:
    with Session(engine) as session:
        return {person.email: person for person in session.exec(select(Person))}


def messages(report: ImportReport) -> list[tuple[int, str]]:
    return [(error.line, error.code) for error in report.errors]


def test_imports_a_clean_file(engine: Engine, config: Config, tmp_path: Path) -> None:
    report = run(engine, config, tmp_path, csv_bytes([AYSE, CEM]))
    assert (report.errors, report.created, report.updated, report.unchanged) == ((), 2, 0, 0)
    stored = people(engine)
    ayse = stored["ayse.yilmaz@example.com"]
    assert (ayse.name, ayse.department, ayse.location, ayse.title) == (
        "Ayşe Yılmaz", "marketing", "İstanbul", "Brand Manager")
    assert ayse.roles == ["blogger", "employee", "group:pilot"]
    assert (ayse.locale, ayse.timezone, ayse.manager_email, ayse.slack_user_id) == (
        "tr", "Europe/Istanbul", "cem@example.com", "U024BE7LH")
    cem = stored["cem@example.com"]
    assert cem.roles == ["employee"]
    assert (cem.department, cem.location, cem.locale, cem.timezone, cem.manager_email) == (
        None, None, None, None, None)


def test_second_import_changes_nothing(engine: Engine, config: Config, tmp_path: Path) -> None:
    data = csv_bytes([AYSE, CEM])
    run(engine, config, tmp_path, data)
    before = {email: person.updated_at for email, person in people(engine).items()}
    report = run(engine, config, tmp_path, data)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert {email: person.updated_at for email, person in people(engine).items()} == before


def test_changed_rows_are_updated_and_others_left(
    engine: Engine, config: Config, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        session.add(Person(email="left@example.com", name="Not In The File", roles=["hr"]))
    run(engine, config, tmp_path, csv_bytes([AYSE, CEM]))
    created_at = people(engine)["ayse.yilmaz@example.com"].created_at
    moved = {**AYSE, "department": "sales", "roles": "blogger", "location": ""}
    dilek = {**CEM, "email": "dilek@example.com", "name": "Dilek"}
    report = run(engine, config, tmp_path, csv_bytes([moved, CEM, dilek]))
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    stored = people(engine)
    ayse = stored["ayse.yilmaz@example.com"]
    assert (ayse.department, ayse.roles, ayse.location) == ("sales", ["blogger", "employee"], None)
    assert ayse.created_at == created_at and ayse.updated_at > created_at
    assert stored["left@example.com"].roles == ["hr"]


def test_columns_may_come_in_any_order(engine: Engine, config: Config, tmp_path: Path) -> None:
    header, row = csv_bytes([AYSE], header=tuple(reversed(COLUMNS))).split(b"\n", 1)
    data = header.upper().replace(b",", b", ") + b"\n" + row
    report = run(engine, config, tmp_path, data)
    assert report.created == 1
    assert people(engine)["ayse.yilmaz@example.com"].slack_user_id == "U024BE7LH"


def test_accepts_a_byte_order_mark_and_crlf(engine: Engine, config: Config, tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + csv_bytes([AYSE, CEM]).replace(b"\n", b"\r\n")
    report = run(engine, config, tmp_path, data)
    assert (report.errors, report.created) == ((), 2)


def test_case_of_keys_is_forgiven(engine: Engine, config: Config, tmp_path: Path) -> None:
    row = {**AYSE, "department": "Marketing", "locale": "TR", "timezone": "europe/istanbul",
           "roles": "Reviewer;HR"}
    report = run(engine, config, tmp_path, csv_bytes([row]))
    assert report.errors == ()
    ayse = people(engine)["ayse.yilmaz@example.com"]
    assert (ayse.department, ayse.locale, ayse.timezone, ayse.roles) == (
        "marketing", "tr", "Europe/Istanbul", ["employee", "hr", "reviewer"])


def test_manager_may_be_outside_the_file(engine: Engine, config: Config, tmp_path: Path) -> None:
    row = {**CEM, "manager_email": "boss@example.org"}
    report = run(engine, config, tmp_path, csv_bytes([row]))
    assert report.created == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"email": "not-an-email"}, "bad_email"),
        ({"email": ""}, "bad_email"),
        ({"name": "  "}, "empty_name"),
        ({"roles": "employee;admin"}, "unknown_roles"),
        ({"roles": "group:Pilot Team"}, "unknown_roles"),
        ({"locale": "de"}, "bad_locale"),
        ({"timezone": "Mars/Olympus"}, "bad_timezone"),
        ({"timezone": "../etc/passwd"}, "bad_timezone"),
        ({"department": "finance"}, "unknown_department"),
        ({"manager_email": "cem at example.com"}, "bad_manager_email"),
        ({"name": "x" * 201}, "too_long"),
        ({"slack_user_id": "U" * 33}, "too_long"),
    ],
)
def test_a_bad_row_is_reported_and_nothing_imported(
    engine: Engine, config: Config, tmp_path: Path, change: dict[str, str], code: str
) -> None:
    report = run(engine, config, tmp_path, csv_bytes([CEM, {**AYSE, **change}]))
    assert messages(report) == [(3, code)]
    assert str(report.errors[0]).startswith("line 3: ")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert people(engine) == {}


def test_duplicate_email_names_both_lines(engine: Engine, config: Config, tmp_path: Path) -> None:
    again = {**AYSE, "email": "AYSE.YILMAZ@example.com"}
    report = run(engine, config, tmp_path, csv_bytes([AYSE, CEM, again]))
    assert messages(report) == [(4, "duplicate_email")]
    assert "first on line 2" in report.errors[0].reason
    assert people(engine) == {}


def test_wrong_column_count(engine: Engine, config: Config, tmp_path: Path) -> None:
    data = csv_bytes([CEM]) + b"ayse@example.com,Ayse\n" + csv_bytes([AYSE]).split(b"\n", 1)[1]
    report = run(engine, config, tmp_path, data)
    assert messages(report) == [(3, "column_count")]
    assert report.errors[0].reason == "expected 10 values, found 2"
    assert people(engine) == {}


def test_every_bad_line_is_reported(engine: Engine, config: Config, tmp_path: Path) -> None:
    rows = [{**CEM, "email": "bad"}, AYSE, {**CEM, "name": "", "locale": "fr"}]
    report = run(engine, config, tmp_path, csv_bytes(rows))
    assert messages(report) == [(2, "bad_email"), (4, "empty_name"), (4, "bad_locale")]


def test_line_numbers_count_blank_lines_and_multiline_values(
    engine: Engine, config: Config, tmp_path: Path
) -> None:
    header, ayse = csv_bytes([{**AYSE, "title": "Brand\nManager"}]).split(b"\n", 1)
    data = header + b"\n\n" + ayse + csv_bytes([{**CEM, "locale": "xx"}]).split(b"\n", 1)[1]
    report = run(engine, config, tmp_path, data)
    assert messages(report) == [(5, "bad_locale")]


def test_a_bad_row_leaves_existing_people_untouched(
    engine: Engine, config: Config, tmp_path: Path
) -> None:
    run(engine, config, tmp_path, csv_bytes([AYSE]))
    before = people(engine)["ayse.yilmaz@example.com"].model_dump()
    report = run(engine, config, tmp_path, csv_bytes([{**AYSE, "name": "Changed"},
                                                      {**CEM, "locale": "xx"}]))
    assert messages(report) == [(3, "bad_locale")]
    assert list(people(engine)) == ["ayse.yilmaz@example.com"]
    assert people(engine)["ayse.yilmaz@example.com"].model_dump() == before


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (COLUMNS[:-1], "missing_columns"),
        ((*COLUMNS, "phone"), "unknown_columns"),
        ((*COLUMNS, "email"), "duplicate_columns"),
    ],
)
def test_header_must_name_every_column_once(
    engine: Engine, config: Config, tmp_path: Path, header: tuple[str, ...], code: str
) -> None:
    report = run(engine, config, tmp_path, csv_bytes([CEM], header=header))
    assert code in [error.code for error in report.errors]
    assert {error.line for error in report.errors} == {1}
    assert people(engine) == {}


def test_empty_file(engine: Engine, config: Config, tmp_path: Path) -> None:
    report = run(engine, config, tmp_path, b"")
    assert messages(report) == [(1, "empty_file")]


def test_bad_encoding_names_the_lines(engine: Engine, config: Config, tmp_path: Path) -> None:
    data = csv_bytes([AYSE, CEM]).replace("Ayşe".encode(), "Ayşe".encode("iso-8859-9"))
    report = run(engine, config, tmp_path, data)
    assert messages(report) == [(2, "bad_encoding")]
    assert "UTF-8" in report.errors[0].reason
    assert people(engine) == {}


def test_sync_departments(engine: Engine, config: Config) -> None:
    assert sync_departments(engine, config) == len(config.departments)
    assert sync_departments(engine, config) == 0
    renamed = replace(config, departments=(
        Department("it", {"en": "Information Technology", "tr": "Bilgi Teknolojileri"}),
        Department("security", {"en": "Security"}),
    ))
    assert sync_departments(engine, renamed) == 2
    with Session(engine) as session:
        rows = {row.key: row for row in session.exec(select(DepartmentRow))}
    assert len(rows) == len(config.departments) + 1
    assert (rows["it"].name_en, rows["security"].name_tr) == ("Information Technology", "Security")
    assert rows["marketing"].name_tr == "Pazarlama"


def test_emails_are_looked_up_lower_cased(engine: Engine, config: Config, tmp_path: Path) -> None:
    run(engine, config, tmp_path, csv_bytes([AYSE]))
    with Session(engine) as session:
        assert person_by_email(session, "AYSE.YILMAZ@EXAMPLE.COM") is not None
