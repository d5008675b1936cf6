"""Spreadsheet-safe CSV cells and the text layout, without a database."""

from __future__ import annotations

import csv
import io

import pytest

from bot.kpis.tabular import Sheet, long_rows, safe_cell, text_table, write_csv


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"),
        ("\tx", "'\tx"), ("\rx", "'\rx"), ("Ömer", "Ömer"), ("a=b", "a=b"), ("", ""),
        (None, ""), (-3, -3), (2.5, 2.5),  # numbers we computed stay numbers
    ],
)  # fmt: skip
def test_safe_cell(value: str | int | float | None, expected: str | int | float) -> None:
    assert safe_cell(value) == expected


def test_header_is_defused_too_and_rows_round_trip() -> None:
    stream = io.StringIO(newline="")
    write_csv(stream, ["=name", "n"], [("Şeyma\n=evil", 3)])
    assert list(csv.reader(io.StringIO(stream.getvalue(), newline=""))) == [
        ["'=name", "n"],
        ["Şeyma\n=evil", "3"],
    ]


def test_long_rows_and_text_table() -> None:
    summary = Sheet("summary", ("kpi", "value"), [("reach", 15)], grouped=False)
    groups = Sheet("groups", ("group", "shares"), [("legal", "suppressed"), ("it", 4)])
    columns, rows = long_rows([summary, groups])
    assert columns == ("section", "group", "metric", "value")
    assert rows == [
        ("summary", None, "reach", 15),
        ("groups", "legal", "shares", "suppressed"),
        ("groups", "it", "shares", 4),
    ]
    assert text_table(Sheet("empty", ("a", "b"))).splitlines()[-1] == "(none)"
    assert text_table(groups).splitlines()[1:] == [
        "group  shares", "-----  ----------", "legal  suppressed", "it     4",
    ]  # fmt: skip
