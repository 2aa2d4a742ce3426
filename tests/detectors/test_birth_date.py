from datetime import date

from tests.detectors.builders import matching

FORMS = [
    "1985-03-12",
    "12.03.1985",
    "03/25/1985",
    "12 марта 1985 г.",
    "March 12, 1985",
    "1979-11-02 00:00:00",
    "19850312",
    date(1985, 3, 12),
]


def test_when_the_column_says_birth_then_dates_in_every_form_match() -> None:
    assert matching("birth_date", FORMS, named=True) == FORMS


def test_when_the_column_does_not_say_birth_then_a_date_is_not_pd() -> None:
    assert matching("birth_date", FORMS) == []


def test_when_a_date_is_impossible_or_in_the_future_then_it_does_not_match() -> None:
    assert matching("birth_date", ["31.02.1990", "2099-01-01", "1850-01-01"], named=True) == []
