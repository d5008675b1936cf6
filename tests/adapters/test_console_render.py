from adapters.console.inbound import to_field_value
from adapters.console.render import card_to_text, field_prompt
from bot.replies import Button, Card, Fact, FormField, LinkButton, Option


def test_cards_read_as_text_with_numbered_buttons() -> None:
    card = Card(
        title="New on the blog",
        body="A long body " * 10,
        facts=(Fact("Points", "12"),),
        image_url="https://example.com/a.png",
        buttons=(
            Button("Another caption", "share.next", "1"),
            LinkButton("LinkedIn", "https://l.example/s/x"),
        ),
        footer="Shared by 4 colleagues",
        highlight=True,
    )
    text = card_to_text(card)
    assert text.splitlines()[0] == "┌ ★ New on the blog"
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "│ Points: 12" in text
    assert "│ [1] Another caption" in text
    assert "│ [2] LinkedIn → https://l.example/s/x" in text
    assert text.endswith("└")


def test_prompts_number_the_options_and_numbers_answer_them() -> None:
    field = FormField(
        "net",
        "Network",
        kind="multiselect",
        required=True,
        options=(Option("x", "X"), Option("linkedin", "LinkedIn")),
    )
    prompt = field_prompt(field, error="Choose one")
    assert prompt.splitlines()[:4] == ["! Choose one", "Network*", "  1. X", "  2. LinkedIn"]
    assert to_field_value(field, "2, x") == ["linkedin", "x"]
    multiline = FormField("body", "Body", kind="multiline")
    assert to_field_value(multiline, "one\\ntwo") == "one\ntwo"
