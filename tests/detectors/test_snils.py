from tests.detectors.builders import matching


def test_when_the_check_number_holds_then_a_snils_matches_in_every_form() -> None:
    # 112-233-445 95 is the Pension Fund's own worked example
    good = ["112-233-445 95", "11223344595", "366 712 768 11", "42684656314"]
    assert matching("snils", good) == good


def test_when_the_check_number_is_wrong_or_too_small_to_carry_one_then_no_snils() -> None:
    assert matching("snils", ["112-233-445 96", "001-001-998 00", "1122334459"]) == []
