"""The policy check, kind by kind: what it must find, and the look-alikes it must leave.

Every positive is a real-world shape (a checksum-valid ID, a mod-97-valid IBAN, a valid
phone number); every negative is what an honest post contains and looks close (order
numbers, reference codes, prices, dates, the word "gizlilik").
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.config import ConfigError
from bot.i18n import Catalogs
from bot.lint import DEFAULT_RULES, Finding, blocking, lint
from bot.lint.config import parse
from bot.lint.words import fold

RULES = DEFAULT_RULES


def kinds(text: str, rules=RULES, networks=None) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in lint(text, rules, networks)]


def spans_are_exact(text: str, findings: list[Finding]) -> bool:
    return all(text[f.start : f.end] == f.text for f in findings)


# --- tckn -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "TC kimlik no: 10000000146",
        "Kimlik numaram 12345678950, lütfen kaydedin.",
        "My Turkish ID is 98765432150.",
        "(31415926562)",
    ],
)
def test_a_valid_national_id_is_found(text: str) -> None:
    findings = lint(text, RULES)
    assert [f.kind for f in findings] == ["tckn"]
    assert findings[0].severity == "block" and spans_are_exact(text, findings)


@pytest.mark.parametrize(
    "text",
    [
        "Sipariş no 12345678901 kargoya verildi.",  # bad checksum
        "Order 10000000147 has shipped.",  # one digit off
        "Takip kodu 98765432151",
        "Referans 012345678901234",  # longer run of digits
        "SKU10000000146X",  # part of a code
        "Fiyat: 10.000.000.146 TL",
    ],
)
def test_eleven_digits_with_a_bad_checksum_are_not_an_id(text: str) -> None:
    assert "tckn" not in [f.kind for f in lint(text, RULES)]


# --- iban -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span"),
    [
        (
            "IBAN: TR33 0006 1005 1978 6457 8413 26 numaralı hesaba",
            "TR33 0006 1005 1978 6457 8413 26",
        ),
        ("Send it to TR330006100519786457841326.", "TR330006100519786457841326"),
        ("Konto DE89 3704 0044 0532 0130 00 bitte", "DE89 3704 0044 0532 0130 00"),
        ("nl91abna0417164300 (lower case)", "nl91abna0417164300"),
    ],
)
def test_a_valid_iban_is_found_with_or_without_spaces(text: str, span: str) -> None:
    findings = lint(text, RULES)
    assert [(f.kind, f.text) for f in findings] == [("iban", span)]


@pytest.mark.parametrize(
    "text",
    [
        "IBAN: TR34 0006 1005 1978 6457 8413 26",  # check digits wrong
        "TR330006100519786457841327",  # last digit wrong
        "Model AB12 CDEF 3456 is new",
        "DE00 3704 0044 0532 0130 00",
    ],
)
def test_iban_look_alikes_with_a_bad_check_digit_are_not_reported(text: str) -> None:
    assert "iban" not in [f.kind for f in lint(text, RULES)]


# --- phone ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Beni 0532 123 45 67 numarasından arayın.", "0532 123 45 67"),
        ("Cep: +90 532 123 45 67", "+90 532 123 45 67"),
        ("Ofis (0212) 555 12 12", "(0212) 555 12 12"),
        ("Call our London office on +44 20 7946 0958.", "+44 20 7946 0958"),
        ("US: +1 650-253-0000", "+1 650-253-0000"),
        ("5321234567 beni ara", "5321234567"),
    ],
)
def test_phone_numbers_in_turkish_and_international_formats(text: str, span: str) -> None:
    assert kinds(text) == [("phone", span)]


@pytest.mark.parametrize(
    "text",
    [
        "Toplantı 2026-05-01 saat 10:30'da.",
        "Gelir %12 arttı, 1.250.000 TL oldu.",
        "Sipariş 12345678901 yolda.",
        "We grew 250 % in 2025.",
    ],
)
def test_dates_prices_and_order_numbers_are_not_phones(text: str) -> None:
    assert "phone" not in [f.kind for f in lint(text, RULES)]


def test_an_id_or_an_iban_is_reported_once_not_also_as_a_phone() -> None:
    text = "TC 10000000146 ve TR33 0006 1005 1978 6457 8413 26"
    assert [f.kind for f in lint(text, RULES)] == ["tckn", "iban"]


def test_digits_inside_a_link_are_not_a_phone() -> None:
    assert kinds("https://example.com/news?id=05321234567") == []


# --- email ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Yazın: ayse.yilmaz@example.com.tr.", "ayse.yilmaz@example.com.tr"),
        ("mail me at first+news@example.org", "first+news@example.org"),
        ("ayşe@örnek.com.tr adresine", "ayşe@örnek.com.tr"),
    ],
)
def test_email_addresses(text: str, span: str) -> None:
    assert kinds(text) == [("email", span)]


@pytest.mark.parametrize("text", ["@elci on X", "user@localhost", "a@b", "10@20 speed"])
def test_handles_and_bare_at_signs_are_not_email(text: str) -> None:
    assert "email" not in [f.kind for f in lint(text, RULES)]


# --- confidential -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Bu bilgi gizlidir.", "gizlidir"),
        ("GİZLİ: yeni ürün", "GİZLİ"),
        ("Sunum şirket içinde kalmalı.", "şirket içinde"),
        ("ŞİRKET İÇİ kullanım için", "ŞİRKET İÇİ"),
        ("sirket ici sunum (typed without Turkish letters)", "sirket ici"),
        ("HİZMETE ÖZEL belge", "HİZMETE ÖZEL"),
        ("This deck is CONFIDENTIAL.", "CONFIDENTIAL"),
        ("For internal only use", "internal only"),
        ("INTERNAL   ONLY — draft", "INTERNAL   ONLY"),
        ("Ticari sırrımız bu", "Ticari sırrımız"),
    ],
)
def test_confidentiality_markers_turkish_aware(text: str, span: str) -> None:
    findings = lint(text, RULES)
    assert [(f.kind, f.text) for f in findings] == [("confidential", span)]
    assert findings[0].params["marker"] == span


@pytest.mark.parametrize(
    "text",
    [
        "Gizlilik politikamızı güncelledik.",  # privacy, not secrecy
        "Şirketimizin içinde harika insanlar var.",  # not the phrase
        "Our internal tools are only getting better.",
        "Confidentiality matters to our customers.",  # English markers are whole words
        "Konfidensiyel değil.",
    ],
)
def test_words_that_only_look_like_markers(text: str) -> None:
    assert "confidential" not in [f.kind for f in lint(text, RULES)]


def test_turkish_folding_keeps_offsets_of_the_original_text() -> None:
    text = "İÇ Ç GİZLİ"
    folded = fold(text)
    assert folded.text == "ic c gizli"
    [finding] = lint(text, RULES)
    assert (finding.start, finding.end, finding.text) == (5, 10, "GİZLİ")


# --- disclosure -------------------------------------------------------------------------

BRANDED = replace(RULES, brands=("Acme", "Acme Bulut"))


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Acme'nin yeni ürünü çok iyi!", "Acme'nin"),
        ("Try ACME Bulut today, it is great", "ACME Bulut"),
        ("Acmeden aldım, harika", "Acmeden"),
    ],
)
def test_promoting_the_company_without_a_disclosure_tag(text: str, span: str) -> None:
    findings = lint(text, BRANDED)
    assert [(f.kind, f.text) for f in findings] == [("disclosure", span)]
    assert "#çalışanıyım" in findings[0].params["tags"]


@pytest.mark.parametrize(
    "text",
    [
        "Acme'nin yeni ürünü çok iyi! #çalışanıyım",
        "Try Acme Bulut today #ad",
        "ACME'de çalışmak güzel #İŞBİRLİĞİ",
        "Acmeli bir gün #employee",
    ],
)
def test_disclosed_posts_pass(text: str) -> None:
    assert kinds(text, BRANDED) == []


def test_no_brand_no_disclosure_finding() -> None:
    assert kinds("Yeni ürün çıktı", BRANDED) == []
    assert kinds("Acme'nin ürünü", RULES) == []  # no brands configured: the check is off


def test_a_tag_must_be_the_whole_tag() -> None:
    assert [f.kind for f in lint("Acme #adana", BRANDED)] == ["disclosure"]


# --- length -----------------------------------------------------------------------------


def test_x_counts_every_link_as_23_characters() -> None:
    link = "https://example.com/" + "a" * 100
    fits = "x" * (280 - 24) + " " + link
    assert kinds(fits, networks=["x"]) == []
    over = "y" + fits
    [finding] = lint(over, RULES, ["x"])
    assert finding.kind == "length" and finding.params["count"] == "281"
    assert finding.params["over"] == "1" and finding.params["network"] == "X"
    assert finding.text == link  # the first thing that no longer fits: the link


def test_the_span_starts_where_the_limit_is_passed() -> None:
    text = "a" * 280 + "TAIL"
    [finding] = lint(text, RULES, ["x"])
    assert (finding.start, finding.end, finding.text) == (280, 284, "TAIL")


def test_each_network_has_its_limit() -> None:
    text = "z" * 3001
    assert sorted(f.params["network"] for f in lint(text, RULES)) == ["LinkedIn", "X"]
    assert [f.kind for f in lint(text, RULES, ["facebook"])] == []
    assert [f.kind for f in lint("z" * 63207, RULES, ["facebook"])] == ["length"]


def test_linkedin_counts_a_link_at_its_real_length() -> None:
    link = "https://example.com/" + "a" * 100
    assert kinds("b" * 2900 + link, networks=["linkedin"])[0][0] == "length"


# --- link -------------------------------------------------------------------------------

ALLOWED = replace(RULES, allowed_domains=("example.com", "acme.com.tr"))


def test_links_outside_the_allow_list() -> None:
    text = "Bak: https://blog.acme.com.tr/yazi, https://evil.example.net/x. ve www.other.org"
    findings = lint(text, ALLOWED)
    assert [(f.kind, f.text) for f in findings] == [
        ("link", "https://evil.example.net/x"),
        ("link", "www.other.org"),
    ]
    assert findings[0].params == {"host": "evil.example.net", "domains": "example.com, acme.com.tr"}


def test_no_allow_list_no_link_findings() -> None:
    assert kinds("https://anything.example.net") == []


def test_the_user_info_trick_is_caught() -> None:
    assert [f.kind for f in lint("https://example.com@evil.net/", ALLOWED)] == ["link"]


# --- the whole --------------------------------------------------------------------------


def test_a_clean_post_in_either_language() -> None:
    assert kinds("Yeni ofisimizde ilk günümüz! Ekibimizle gurur duyuyorum.") == []
    assert kinds("Proud of the team: we shipped the new app today.") == []


def test_findings_are_ordered_and_spans_exact() -> None:
    text = "GİZLİ — arayın 0532 123 45 67, TC 10000000146, e-posta a@example.com"
    findings = lint(text, RULES)
    assert [f.kind for f in findings] == ["confidential", "phone", "tckn", "email"]
    assert spans_are_exact(text, findings)
    assert [f.kind for f in blocking(findings)] == ["tckn"]


def test_messages_are_localized_with_the_fix() -> None:
    [finding] = lint("Bu gizlidir", RULES)
    tr = Catalogs().get("tr")
    en = Catalogs().get("en")
    assert "gizlidir" in finding.message(en) and "take the marker out" in finding.message(en)
    assert finding.message(tr) != finding.message(en) and "gizlidir" in finding.message(tr)
    assert Finding.from_dict(finding.as_dict()) == finding


def test_severity_is_configurable_and_off_turns_a_kind_off() -> None:
    rules = parse({"lint": {"severity": {"phone": "block", "email": "off"}}})
    findings = lint("0532 123 45 67 a@example.com", rules)
    assert [(f.kind, f.severity) for f in findings] == [("phone", "block")]


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"severity": {"tckn": "maybe"}}, "lint.severity.tckn"),
        ({"severity": {"ssn": "block"}}, "lint.severity.ssn"),
        ({"confidential": {"tr": "gizli"}}, "lint.confidential.tr"),
        ({"length": {"limits": {"x": 0}}}, "lint.length.limits.x"),
        ({"length": {"limits": {"myspace": 10}}}, "lint.length.limits.myspace"),
        ("everything", "lint"),
    ],
)
def test_config_mistakes_name_the_key(section, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse({"lint": section})
