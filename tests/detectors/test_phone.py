from tests.detectors.builders import matching

WRITTEN_FORMS = [
    "+7 (912) 345-67-89",
    "8 912 345 67 89",
    "89123456789",
    "7-912-345-67-89",
    "+7 701 234 56 78",  # Kazakhstan
    "8 (727) 250-12-34",
    "(912) 345-67-89",
    "+7 (495) 123-45-67 доб. 123",
    "+7 912 345 67 89 ext. 5",
    "+44 20 7946 0958",
    79123456789,  # a numeric column
]


def test_when_a_phone_is_written_in_any_common_form_then_it_matches() -> None:
    assert matching("phone", WRITTEN_FORMS) == WRITTEN_FORMS


def test_when_numbers_only_look_numeric_then_they_do_not_match() -> None:
    numbers = [
        "1234567.89",
        "2024-01-15",
        "1700000000",
        "12345678901",
        "15 000,00",
        "192.168.100.200",
        "+7 912 345-67-8",
        "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    ]
    assert matching("phone", numbers) == []


def test_when_ten_bare_digits_then_only_a_phone_column_makes_them_a_phone() -> None:
    assert matching("phone", ["9123456789"]) == []
    assert matching("phone", ["9123456789"], named=True) == ["9123456789"]
