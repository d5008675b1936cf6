import pytest

from bot.forms import check
from bot.i18n import Catalogs
from bot.replies import Form, FormField, Option

FORM = Form(
    form_id="t",
    title="T",
    submit_label="Send",
    fields=(
        FormField("title", "Title", required=True, max_length=10),
        FormField("body", "Body", kind="multiline"),
        FormField(
            "net", "Network", kind="select", options=(Option("x", "X"), Option("li", "LinkedIn"))
        ),
        FormField("tags", "Tags", kind="multiselect", options=(Option("a", "A"), Option("b", "B"))),
        FormField("when", "When", kind="date"),
        FormField("ok", "I agree", kind="checkbox"),
    ),
)


@pytest.fixture
def en():
    return Catalogs().get("en")


def test_clean_values_are_coerced_per_kind(en) -> None:
    values, errors = check(
        FORM, {"title": " Hi ", "net": "li", "tags": "a, b", "when": "2026-12-01", "ok": "yes"}, en
    )
    assert errors == {}
    assert values == {
        "title": "Hi",
        "body": "",
        "net": "li",
        "tags": ["a", "b"],
        "when": "2026-12-01",
        "ok": True,
    }


def test_every_bad_field_is_reported_at_once(en) -> None:
    _, errors = check(
        FORM, {"title": "", "net": "fb", "tags": ["z"], "when": "1 Dec", "ok": "maybe"}, en
    )
    assert errors == {
        "title": "This field is required.",
        "net": "Choose one of the offered options.",
        "tags": "Choose one of the offered options.",
        "when": "Give a date as YYYY-MM-DD.",
        "ok": "Answer yes or no.",
    }


def test_length_limit_and_turkish_messages() -> None:
    tr = Catalogs().get("tr")
    _, errors = check(FORM, {"title": "x" * 11}, tr)
    assert errors == {"title": "Lütfen en fazla 10 karakter yazın."}
    _, errors = check(FORM, {}, tr)
    assert errors["title"] == "Bu alan zorunludur."
