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


def test_when_an_english_street_has_any_usps_suffix_then_the_line_with_its_town_matches() -> None:
    good = [
        "083 Crosby Plaza Apt. 533",
        "0008 Sheila Light",
        "2728 Gregory Summit Suite 370, Lake Tammy, CA 50038",
        "75249 Williams Lock, Leefurt, NE 31754",
    ]
    assert matching("address", good) == good


def test_when_a_short_street_word_precedes_a_name_and_a_house_then_it_is_an_address() -> None:
    good = ["пр. Карла Маркса, д. 92", "алл. Победы, д. 3 стр. 24", "бул. Мира 5"]
    assert matching("address", good) == good
    assert matching("address", ["Купили кабели, зарядки и пр. 5 штук"]) == []
