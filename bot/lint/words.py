"""Finding configured words and phrases the way a Turkish reader would.

Text is folded loosely before matching: case is folded with Turkish rules, and the
dotted/dotless i and the Turkish letters with diacritics are reduced to their base letter,
so ``GİZLİ``, ``Gizli`` and ``gizli`` match alike, and so does ``sirket ici`` typed on an
English keyboard. A phrase must start on a word boundary; with ``suffixes``, its last word
may carry Turkish suffixes (``gizlidir``, ``şirket içinde``, ``Elçi'nin``). Offsets map back
to the original text, whatever folding did to its length.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

_I_LETTERS = frozenset("İIıi")
_GAP = r"[\s\-]+"
_SUFFIX = r"(?:['’]?[^\W\d_]+)?"
_START = r"(?<![^\W_])"
_END = r"(?![^\W_])"


@dataclass(frozen=True)
class Folded:
    """The folded text, and for each of its characters the index it came from."""

    text: str
    origin: tuple[int, ...]
    length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the folded span ``[start, end)``."""
        return self.origin[start], self.origin[end - 1] + 1


def fold_char(char: str) -> str:
    if char in _I_LETTERS:
        return "i"
    decomposed = unicodedata.normalize("NFD", char.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> Folded:
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = fold_char(char)
        chars.append(folded)
        origin.extend([index] * len(folded))
    return Folded("".join(chars), tuple(origin), len(text))


def fold_phrase(phrase: str) -> str:
    return " ".join(fold(phrase).text.split())


@cache
def _pattern(phrase: str, suffixes: bool) -> re.Pattern[str]:
    words = [re.escape(word) for word in fold_phrase(phrase).split()]
    return re.compile(_START + _GAP.join(words) + (_SUFFIX if suffixes else "") + _END)


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    phrase: str  # the configured phrase that matched
    folded: str  # what matched, folded


def find_phrases(text: str | Folded, phrases: Iterable[str], *, suffixes: bool) -> Iterator[Match]:
    """Every match of any phrase, in the order of the text; overlapping ones once."""
    folded = text if isinstance(text, Folded) else fold(text)
    found: list[Match] = []
    for phrase in phrases:
        if not fold_phrase(phrase):
            continue
        for hit in _pattern(phrase, suffixes).finditer(folded.text):
            start, end = folded.span(hit.start(), hit.end())
            found.append(Match(start, end, phrase, hit.group()))
    found.sort(key=lambda match: (match.start, -match.end))
    last_end = -1
    for match in found:
        if match.start >= last_end:
            last_end = match.end
            yield match
