"""Reports as tables: a human-readable text layout and CSV that is safe to open in a
spreadsheet.

CSV injection (OWASP): a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is read as a formula by Excel, LibreOffice and Google Sheets, so a name
such as ``=HYPERLINK(...)`` in the directory could run in HR's spreadsheet. Such text cells
are prefixed with a single quote, which the spreadsheet shows as text; the csv module does
the quoting of separators, quotes and line breaks. Numbers we computed are written as
numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

Cell = str | int | float | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[Cell, ...]] = ()
    grouped: bool = True  # the first column names a group; else rows are (metric, value)


def safe_cell(value: Cell) -> str | int | float:
    """A value as it may go into a CSV cell: text that a spreadsheet would evaluate is
    defused with a leading single quote; None becomes an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(stream: TextIO, columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    writer = csv.writer(stream)
    writer.writerow([safe_cell(column) for column in columns])
    writer.writerows([safe_cell(value) for value in row] for row in rows)


def long_rows(sheets: Iterable[Sheet]) -> tuple[tuple[str, ...], list[tuple[Cell, ...]]]:
    """Several sheets as one tidy table (section, group, metric, value): one CSV file for
    a report with many parts."""
    rows: list[tuple[Cell, ...]] = []
    for sheet in sheets:
        for row in sheet.rows:
            if not sheet.grouped:
                rows.append((sheet.title, None, *row))
                continue
            group, *values = row
            rows.extend(
                (sheet.title, group, metric, value)
                for metric, value in zip(sheet.columns[1:], values, strict=True)
            )
    return ("section", "group", "metric", "value"), rows


def text_table(sheet: Sheet) -> str:
    """Columns padded to their widest cell, numbers right-aligned, under a title line."""
    cells = [[_text(value) for value in row] for row in sheet.rows]
    widths = [
        max([len(column), *(len(row[i]) for row in cells)])
        for i, column in enumerate(sheet.columns)
    ]
    numeric = [
        all(isinstance(row[i], int | float) or row[i] is None for row in sheet.rows)
        and bool(sheet.rows)
        for i in range(len(sheet.columns))
    ]

    def line(values: Sequence[str]) -> str:
        padded = (
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        )
        return "  ".join(padded).rstrip()

    lines = [sheet.title, line(sheet.columns), line(["-" * width for width in widths])]
    lines.extend(line(row) for row in cells)
    if not sheet.rows:
        lines.append("(none)")
    return "\n".join(lines)


def _text(value: Cell) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)
