"""Translations: gettext catalogs for Turkish and English, managed with Babel.

The ``.po`` sources are compiled in memory when the catalogs load, so no compiled file
can ever drift from its source. Markers for extraction: ``t(...)``, ``tn(s, p, n)`` and
``N_(...)`` for strings translated later (command help, for instance).
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SUPPORTED: Final = ("en", "tr")
DEFAULT: Final = "en"
DOMAIN: Final = "elci"


def N_(message: str) -> str:
    """Marks a string for extraction; translated later, in the reader's locale."""
    return message


def normalize_locale(tag: str | None) -> str | None:
    """``tr-TR``, ``tr_TR`` and ``TR`` all mean ``tr``; unsupported languages mean None."""
    if not tag:
        return None
    language = tag.replace("_", "-").split("-")[0].strip().lower()
    return language if language in SUPPORTED else None


@dataclass(frozen=True)
class Translator:
    locale: str
    catalog: gettext.NullTranslations

    def t(self, message: str, **values: Any) -> str:
        text = self.catalog.gettext(message)
        return text.format(**values) if values else text

    def tn(self, singular: str, plural: str, n: int, **values: Any) -> str:
        return self.catalog.ngettext(singular, plural, n).format(n=n, **values)


class Catalogs:
    """Every locale's catalog, loaded once per process and shared by all turns."""

    def __init__(self) -> None:
        self._translators = {locale: Translator(locale, _load(locale)) for locale in SUPPORTED}

    def get(self, locale: str | None) -> Translator:
        return self._translators[normalize_locale(locale) or DEFAULT]


def _load(locale: str) -> gettext.NullTranslations:
    source = files("bot").joinpath("locale", locale, "LC_MESSAGES", f"{DOMAIN}.po")
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
