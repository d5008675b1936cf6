"""Text as the router compares it: Turkish-aware folding, then one spelling for both keyboards.

Turkish is agglutinative (``fatura``, ``faturamı``, ``faturanın``), so the router compares
character n-grams, which survive suffixes; here the text is only made comparable:
``FATURAMI``, ``faturamı`` and ``faturami`` (typed on an English keyboard) all become
``faturami``.
"""

from __future__ import annotations

import re

from bot.routing.stopwords import ALL as STOPWORDS
from bot.text import fold

_ASCII = str.maketrans("ıçğöşüâîû", "icgosuaiu")
_NOT_A_WORD = re.compile(r"[^\w]+|_")


def normalize(text: str) -> str:
    """Lower-cased the Turkish way, diacritics of Turkish dropped, punctuation as spaces."""
    folded = fold(text, "tr").translate(_ASCII)
    return " ".join(_NOT_A_WORD.sub(" ", folded).split())


def content(text: str) -> str:
    """The normalized text without words that name no topic (``the``, ``bir``, ``mi``)."""
    return " ".join(word for word in normalize(text).split() if word not in STOPWORDS)


def words(text: str) -> list[tuple[str, str]]:
    """Each word as typed (lower-cased) beside its normalized form, to show why a text
    went where it went in the words its writer used."""
    typed = _NOT_A_WORD.sub(" ", fold(text, "tr")).split()
    return [(word, word.translate(_ASCII)) for word in typed]
