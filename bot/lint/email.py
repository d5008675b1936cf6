"""``email``: an email address, checked for a valid shape (not for deliverability)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from email_validator import EmailNotValidError, validate_email

from bot.lint.config import Rules
from bot.lint.finding import Hit

KIND = "email"
_CANDIDATE = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")


def find(text: str, rules: Rules) -> Iterator[Hit]:
    for match in _CANDIDATE.finditer(text):
        candidate = match.group().rstrip(".-")
        try:
            validate_email(candidate, check_deliverability=False)
        except EmailNotValidError:
            continue
        yield Hit(match.start(), match.start() + len(candidate))
