"""``link``: a link to a site outside the allow-list, when one is configured.

The rule is the content library's own (:func:`bot.content.check_url`), so a draft is held
to exactly what its content item will be held to when it is published. :func:`urls` is
also what ``length`` counts links with and what ``phone`` steps around.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.content import ContentError, check_url
from bot.lint.config import Rules
from bot.lint.finding import Hit

KIND = "link"
_URL = re.compile(r"(?<![\w@])(?:https?://|www\.)[^\s<>\"“”‘’]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\")]}»"


def urls(text: str) -> Iterator[tuple[int, int]]:
    """The spans of the links in ``text``, without the punctuation that ends a sentence."""
    for match in _URL.finditer(text):
        url = match.group()
        while url and url[-1] in _TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if url:
            yield match.start(), match.start() + len(url)


def find(text: str, rules: Rules) -> Iterator[Hit]:
    if not rules.allowed_domains:
        return
    for start, end in urls(text):
        url = text[start:end]
        if url.lower().startswith("www."):
            url = "https://" + url
        try:
            check_url(url, rules.allowed_domains)
        except ContentError as refusal:
            host = refusal.params.get("host") or url
            yield Hit(start, end, {"host": host, "domains": ", ".join(rules.allowed_domains)})
