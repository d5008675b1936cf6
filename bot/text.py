"""Text rules that depend on the language: Turkish-aware case folding and matching.

Python's ``str.lower`` maps ``I`` to ``i`` and ``İ`` to ``i̇`` (with a combining dot), which
is wrong in Turkish, where ``I`` pairs with ``ı`` and ``İ`` with ``i``.
"""

from __future__ import annotations

import unicodedata

_TURKISH_LOWER = str.maketrans({"I": "ı", "İ": "i"})
_TURKISH_UPPER = str.maketrans({"i": "İ", "ı": "I"})


def fold(text: str, locale: str | None = None) -> str:
    """Lower-case for comparison, following Turkish rules when the locale is Turkish."""
    if locale == "tr":
        text = text.translate(_TURKISH_LOWER)
    return unicodedata.normalize("NFC", text.lower())


def upper(text: str, locale: str | None = None) -> str:
    if locale == "tr":
        text = text.translate(_TURKISH_UPPER)
    return text.upper()


def fold_variants(text: str) -> set[str]:
    """Every reading of what someone typed: a Turk typing ``LIST`` on an English keyboard
    means ``list``, while ``YARDIM`` folded the Turkish way is ``yardım``."""
    return {fold(text, "tr"), fold(text)}
