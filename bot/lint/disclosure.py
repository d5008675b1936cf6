"""``disclosure``: the post promotes the company without saying the author works there.

When a configured brand or product name appears (Turkish suffixes allowed: ``Acme'nin``)
and none of the configured disclosure tags does, the first mention is reported. With no
brands configured, the check is off.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.lint.config import Rules
from bot.lint.finding import Hit
from bot.lint.words import find_phrases, fold

KIND = "disclosure"


def find(text: str, rules: Rules) -> Iterator[Hit]:
    if not rules.brands:
        return
    folded = fold(text)
    mention = next(find_phrases(folded, rules.brands, suffixes=True), None)
    if mention is None:
        return
    if next(find_phrases(folded, rules.disclosure_tags, suffixes=False), None) is not None:
        return
    yield Hit(
        mention.start,
        mention.end,
        {"brand": mention.phrase, "tags": ", ".join(rules.disclosure_tags)},
    )
