from tests.detectors.builders import matching


def test_when_a_passport_is_written_in_its_shapes_then_it_matches() -> None:
    good = ["45 12 345678", "4512 № 345678", "серия 4512 номер 345678", "Паспорт 4512 345678"]
    assert matching("passport", good) == good


def test_when_ten_bare_digits_then_only_a_passport_column_makes_them_one() -> None:
    assert matching("passport", ["4512345678", "4512-345678"]) == []
    assert matching("passport", ["4512345678", "4512-345678"], named=True) == [
        "4512345678",
        "4512-345678",
    ]


def test_when_a_number_has_another_shape_then_no_passport() -> None:
    assert matching("passport", ["2024-123456", "00 12 345678", "45 12 34567"]) == []
