"""``iban``: an IBAN whose mod-97 check (and country format) python-stdnum accepts.

IBANs are written compact or in groups of four (``TR33 0006 1005 …``). A candidate runs
as long as the groups go on; the longest prefix that validates is reported, so words
after the number are never swallowed into it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum import iban

from bot.lint.config import Rules
from bot.lint.finding import Hit

KIND = "iban"
_CANDIDATE = re.compile(r"(?<!\w)[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]{1,4})+", re.ASCII)
_GROUP = re.compile(r"[ \-]?[A-Za-z0-9]{1,4}")


def find(text: str, rules: Rules) -> Iterator[Hit]:
    for match in _CANDIDATE.finditer(text):
        start = match.start()
        ends = [start + 4 + group.end() for group in _GROUP.finditer(match.group()[4:])]
        for end in reversed(ends):
            if (end == len(text) or not text[end].isalnum()) and iban.is_valid(text[start:end]):
                yield Hit(start, end)
                break
