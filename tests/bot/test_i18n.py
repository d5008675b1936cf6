"""The catalogs cover every string the code marks, in both languages, with matching fields."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import Catalogs, normalize_locale

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"t": None, "tn": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def marked_messages() -> set[str]:
    found = set()
    for package in ("bot", "handlers", "adapters"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(locale: str):
    with open(ROOT / "bot" / "locale" / locale / "LC_MESSAGES" / "elci.po", "rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", ["tr", "en"])
def test_every_marked_string_is_in_the_catalog(locale: str) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(locale) if m.id}
    missing = marked_messages() - ids
    assert not missing, f"run ./dev i18n and translate: {sorted(missing)}"


def test_turkish_translations_are_complete_and_keep_their_placeholders() -> None:
    for message in catalog("tr"):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ident = message.id if isinstance(message.id, str) else message.id[0]
        assert all(strings), f"untranslated: {ident!r}"
        assert "fuzzy" not in message.flags, f"fuzzy: {ident!r}"
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(ident)) | {"n"}, ident


def test_platform_tags_map_to_supported_languages() -> None:
    assert normalize_locale("tr-TR") == "tr"
    assert normalize_locale("tr_TR") == "tr"
    assert normalize_locale("en-GB") == "en"
    assert normalize_locale("de-DE") is None
    assert normalize_locale(None) is None


def test_catalogs_translate_from_the_sources() -> None:
    catalogs = Catalogs()
    assert catalogs.get("tr-TR").t("This field is required.") == "Bu alan zorunludur."
    assert catalogs.get("fr").t("This field is required.") == "This field is required."
