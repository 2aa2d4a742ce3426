from tests.detectors.builders import matching


def test_when_date_century_and_check_digit_hold_then_an_iin_matches() -> None:
    assert matching("iin", ["700313311866", "840212383139"]) == ["700313311866", "840212383139"]


def test_when_check_digit_date_or_century_digit_is_wrong_then_no_iin() -> None:
    wrong = ["700313311867", "701313311866", "700313911866", "70031331186"]
    assert matching("iin", wrong) == []
