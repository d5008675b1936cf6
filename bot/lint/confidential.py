"""``confidential``: a configured confidentiality marker, in Turkish or English.

Markers are matched as words and phrases, Turkish-aware (see :mod:`bot.lint.words`):
Turkish markers may carry suffixes (``gizlidir``, ``şirket içinde``), English ones must
stand as whole words. ``ignore`` lists words that begin like a marker but mean something
else (``gizlilik``: privacy).
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.lint.config import Rules
from bot.lint.finding import Hit
from bot.lint.words import find_phrases, fold, fold_phrase

KIND = "confidential"


def find(text: str, rules: Rules) -> Iterator[Hit]:
    folded = fold(text)
    ignored = tuple(fold_phrase(word) for word in rules.ignore)
    matches = [
        *find_phrases(folded, rules.markers_tr, suffixes=True),
        *find_phrases(folded, rules.markers_en, suffixes=False),
    ]
    taken: list[tuple[int, int]] = []
    for match in sorted(matches, key=lambda m: (m.start, -m.end)):
        if any(match.folded.startswith(word) for word in ignored):
            continue
        if any(start < match.end and match.start < end for start, end in taken):
            continue
        taken.append((match.start, match.end))
        yield Hit(match.start, match.end, {"marker": text[match.start : match.end]})
