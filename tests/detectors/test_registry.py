import pytest

from pdpipe.detectors import DETECTORS, Category, DetectorError, detector, for_category


def test_when_every_category_is_asked_for_then_each_has_a_detector() -> None:
    assert {d.category for d in DETECTORS.values()} == set(Category)
    assert [d.name for d in for_category("phone")] == ["phone"]


def test_when_an_unknown_name_is_asked_for_then_the_error_lists_the_valid_ones() -> None:
    with pytest.raises(DetectorError, match=r"unknown detector 'fone' \(known: .*phone"):
        detector("fone")
    with pytest.raises(DetectorError, match=r"unknown PD category 'ssn' \(known: email"):
        for_category("ssn")
