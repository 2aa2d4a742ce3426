from tests.detectors.builders import matching


def test_when_a_street_has_a_house_number_then_it_is_an_address() -> None:
    good = [
        "г. Москва, ул. Ленина, д. 5, кв. 12",
        "050000, г. Алматы, пр-т Абая 150",
        "Абай даңғылы, 150",
        "221B Baker Street",
        "1600 Pennsylvania Ave NW, Apt 5",
    ]
    assert matching("address", good) == good


def test_when_only_a_city_a_street_or_a_postcode_then_no_address() -> None:
    assert matching("address", ["г. Москва", "ул. Ленина", "050000", "Встреча в 15:00"]) == []
