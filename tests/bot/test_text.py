from bot.text import fold, fold_variants, upper


def test_turkish_dotted_and_dotless_i_fold_the_turkish_way() -> None:
    assert fold("YARDIM", "tr") == "yardım"
    assert fold("İSTANBUL", "tr") == "istanbul"
    assert fold("Iğdır", "tr") == "ığdır"
    assert upper("istanbul ılık", "tr") == "İSTANBUL ILIK"


def test_english_folding_is_untouched() -> None:
    assert fold("LIST") == "list"
    assert fold("İ") != "i"  # Python's default keeps the combining dot; Turkish rules do not


def test_typed_words_match_under_either_reading() -> None:
    assert fold_variants("LIST") == {"lıst", "list"}
    assert "yardım" in fold_variants("YARDIM")
