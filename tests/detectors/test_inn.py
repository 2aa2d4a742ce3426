from stdnum.ru import inn

from tests.detectors.builders import matching


def test_when_the_check_digits_hold_then_an_inn_matches() -> None:
    good = ["926018159086", "8355597977", 500100732259]
    assert all(inn.is_valid(str(v)) for v in good)
    assert matching("inn", good) == good


def test_when_one_digit_is_wrong_or_the_length_is_not_10_or_12_then_no_inn() -> None:
    assert matching("inn", ["926018159087", "92601815908", "9260181590861"]) == []
