"""``phone``: phone numbers in Turkish and international formats.

libphonenumber's matcher (the ``phonenumbers`` port) reads the text with Turkey as the
default region, so ``0532 123 45 67`` and ``+44 20 7946 0958`` are both found, and only
numbers that are valid for their country count. Numbers inside a span another check
already explains (an ID number, an IBAN, an address, a link) are left to that check.
"""

from __future__ import annotations

from collections.abc import Iterator

from phonenumbers import Leniency, PhoneNumberMatcher

from bot.lint.config import Rules
from bot.lint.finding import Hit

KIND = "phone"
REGION = "TR"


def find(text: str, rules: Rules) -> Iterator[Hit]:
    for match in PhoneNumberMatcher(text, REGION, leniency=Leniency.VALID):
        yield Hit(match.start, match.end)
