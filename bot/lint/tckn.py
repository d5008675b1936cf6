"""``tckn``: a Turkish national ID number whose check digits are right.

Any 11 digits standing alone are a candidate; only those python-stdnum validates are
reported, so order numbers and other long numbers with a wrong checksum pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum.tr import tckimlik

from bot.lint.config import Rules
from bot.lint.finding import Hit

KIND = "tckn"
_CANDIDATE = re.compile(r"(?<!\w)\d{11}(?!\w)")


def find(text: str, rules: Rules) -> Iterator[Hit]:
    for match in _CANDIDATE.finditer(text):
        if tckimlik.is_valid(match.group()):
            yield Hit(match.start(), match.end())
