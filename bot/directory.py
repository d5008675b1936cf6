"""The people directory, imported whole from the CSV file HR keeps.

An import is all or nothing: every row is checked first and every problem is reported
with its line, so HR can fix the file in one pass; only a clean file is written, in one
transaction. Importing the same file twice changes nothing, so it is safe to schedule.
"""

from __future__ import annotations

import csv
import io
from _csv import Reader
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Final
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.config import Config, Settings
from bot.roles import BASE_ROLES, is_valid_role, normalize_roles
from storage.engine import session_scope
from storage.people import Department as DepartmentRow
from storage.people import Person, utcnow

COLUMNS: Final = (
    "email", "name", "department", "location", "title",
    "roles", "locale", "timezone", "manager_email", "slack_user_id",
)  # fmt: skip
LOCALES: Final = ("tr", "en")

MESSAGES: Final[Mapping[str, str]] = {
    "bad_encoding": "the file is not valid UTF-8 here; save it as UTF-8",
    "bad_csv": "not readable as CSV: {detail}",
    "empty_file": "the file is empty; the first line must be the header: {columns}",
    "missing_columns": "missing column(s) in the header: {columns}",
    "unknown_columns": "unknown column(s) in the header: {columns}",
    "duplicate_columns": "column(s) named twice in the header: {columns}",
    "column_count": "expected {expected} values, found {found}",
    "bad_email": "email '{value}' is not a valid email address",
    "duplicate_email": "email {value} appears twice (first on line {first_line})",
    "empty_name": "name is empty",
    "unknown_roles": "unknown role(s) {roles}; use {valid} or group:NAME",
    "bad_locale": "locale '{value}' is not one of {valid}",
    "bad_timezone": "timezone '{value}' is not an IANA time zone such as Europe/Istanbul",
    "unknown_department": "department '{value}' is not configured; known: {valid}",
    "bad_manager_email": "manager_email '{value}' is not a valid email address",
    "too_long": "{column} is longer than {limit} characters",
}


@dataclass(frozen=True)
class RowError:
    """One problem on one line of the file (the header is line 1).

    ``code`` names the message and ``params`` fill it, so a caller can show the reason in
    the reader's language; ``reason`` is the English text.
    """

    line: int
    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return MESSAGES[self.code].format(**self.params)

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class ImportReport:
    errors: tuple[RowError, ...] = ()
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class DirectoryRow:
    """A checked row, in the shape of the ``Person`` fields the file owns."""

    email: str
    name: str
    department: str | None
    location: str | None
    title: str | None
    roles: list[str]
    locale: str | None
    timezone: str | None
    manager_email: str | None
    slack_user_id: str | None


def import_people(engine: Engine, path: Path, config: Config | None = None) -> ImportReport:
    """Upsert everyone in the CSV file at ``path``, or nothing if any row is wrong.

    Departments are checked against ``config`` (by default the deployment's). People
    missing from the file are left as they are: leaving the company is not an import.
    """
    config = config or Settings().config
    rows, errors = read_directory(path.read_bytes(), {d.key for d in config.departments})
    if errors:
        return ImportReport(errors=tuple(errors))
    return _upsert(engine, rows)


def read_directory(data: bytes, departments: set[str]) -> tuple[list[DirectoryRow], list[RowError]]:
    """Check every row of a directory file; the rows are only usable when no error came back."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], _encoding_errors(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[DirectoryRow] = []
    errors: list[RowError] = []
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        errors += _check_header(header)
        if errors:
            return [], errors
        first_line_of: dict[str, int] = {}
        for line, values in _numbered(reader):
            if len(values) != len(header):
                errors.append(
                    RowError(line, "column_count", {"expected": len(header), "found": len(values)})
                )
                continue
            record = {name: value.strip() for name, value in zip(header, values, strict=True)}
            row, row_errors = _check_row(line, record, departments, first_line_of)
            errors += row_errors
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "bad_csv", {"detail": str(exc)}))
    return rows, errors


def sync_departments(engine: Engine, config: Config) -> int:
    """Make a row for every configured department and keep its names current.

    Returns how many rows were added or renamed. Departments dropped from the
    configuration stay: people and past requests may still name them.
    """
    changed = 0
    with session_scope(engine) as session:
        existing = {row.key: row for row in session.exec(select(DepartmentRow))}
        for department in config.departments:
            names = {"name_en": department.name("en"), "name_tr": department.name("tr")}
            row = existing.get(department.key)
            if row is None:
                session.add(DepartmentRow(key=department.key, **names))
            elif (row.name_en, row.name_tr) != (names["name_en"], names["name_tr"]):
                row.name_en, row.name_tr = names["name_en"], names["name_tr"]
            else:
                continue
            changed += 1
    return changed


def _encoding_errors(data: bytes) -> list[RowError]:
    """One error per line that does not decode, so every bad line can be fixed at once."""
    body = data.removeprefix(b"\xef\xbb\xbf")
    errors = []
    for number, line in enumerate(body.splitlines(), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(RowError(number, "bad_encoding"))
    return errors


def _numbered(reader: Reader) -> Iterator[tuple[int, list[str]]]:
    """Rows with the line they start on (a quoted value may span lines); blank rows skipped."""
    line = reader.line_num + 1
    for values in reader:
        if any(value.strip() for value in values):
            yield line, values
        line = reader.line_num + 1


def _check_header(header: list[str]) -> list[RowError]:
    if not header:
        return [RowError(1, "empty_file", {"columns": ",".join(COLUMNS)})]
    errors = []
    problems = {
        "missing_columns": [name for name in COLUMNS if name not in header],
        "unknown_columns": [name for name in header if name not in COLUMNS],
        "duplicate_columns": sorted({name for name in header if header.count(name) > 1}),
    }
    for code, names in problems.items():
        if names:
            errors.append(RowError(1, code, {"columns": ", ".join(f"'{n}'" for n in names)}))
    return errors


def _check_row(
    line: int, record: Mapping[str, str], departments: set[str], first_line_of: dict[str, int]
) -> tuple[DirectoryRow | None, list[RowError]]:
    """Check one row; ``first_line_of`` remembers each email's line to catch repeats."""
    errors: list[RowError] = []

    def fail(code: str, **params: object) -> None:
        errors.append(RowError(line, code, params))

    email = normalize_email(record["email"])
    if email is None:
        fail("bad_email", value=record["email"])
    elif email in first_line_of:
        fail("duplicate_email", value=email, first_line=first_line_of[email])
    else:
        first_line_of[email] = line
    if not record["name"]:
        fail("empty_name")
    department = record["department"].lower()
    if department and department not in departments:
        fail("unknown_department", value=record["department"], valid=", ".join(sorted(departments)))
    role_names = [role.strip().lower() for role in record["roles"].split(";") if role.strip()]
    unknown = [role for role in role_names if not is_valid_role(role)]
    if unknown:
        fail("unknown_roles", roles=", ".join(unknown), valid=", ".join(BASE_ROLES))
    locale = record["locale"].lower()
    if locale and locale not in LOCALES:
        fail("bad_locale", value=record["locale"], valid=", ".join(LOCALES))
    timezone = _zones().get(record["timezone"].lower()) if record["timezone"] else None
    if record["timezone"] and timezone is None:
        fail("bad_timezone", value=record["timezone"])
    manager_email = normalize_email(record["manager_email"]) if record["manager_email"] else None
    if record["manager_email"] and manager_email is None:
        fail("bad_manager_email", value=record["manager_email"])
    for column in ("name", "location", "title", "slack_user_id"):
        limit = _max_length(column)
        if len(record[column]) > limit:
            fail("too_long", column=column, limit=limit)
    if errors or email is None:
        return None, errors
    row = DirectoryRow(
        email=email,
        name=record["name"],
        department=department or None,
        location=record["location"] or None,
        title=record["title"] or None,
        roles=normalize_roles(role_names),
        locale=locale or None,
        timezone=timezone,
        manager_email=manager_email,
        slack_user_id=record["slack_user_id"] or None,
    )
    return row, []


def normalize_email(value: str) -> str | None:
    """The address lower-cased, as ``person_by_email`` looks it up; None if not valid."""
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


@cache
def _zones() -> dict[str, str]:
    """IANA zone names by their lower-cased form, so ``europe/istanbul`` is accepted too."""
    return {name.lower(): name for name in available_timezones()}


@cache
def _max_length(column: str) -> int:
    length: int = Person.__table__.columns[column].type.length  # type: ignore[attr-defined]
    return length


def _upsert(engine: Engine, rows: list[DirectoryRow]) -> ImportReport:
    created = updated = unchanged = 0
    with session_scope(engine) as session:
        existing = {person.email: person for person in session.exec(select(Person))}
        for row in rows:
            values = asdict(row)
            person = existing.get(row.email)
            if person is None:
                session.add(Person(**values))
                created += 1
                continue
            changes = {key: value for key, value in values.items() if getattr(person, key) != value}
            if not changes:
                unchanged += 1
                continue
            for key, value in changes.items():
                setattr(person, key, value)
            person.updated_at = utcnow()
            updated += 1
    return ImportReport(created=created, updated=updated, unchanged=unchanged)
