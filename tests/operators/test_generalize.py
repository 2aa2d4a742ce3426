"""generalize: a date to its month or year; a birth date to an age band."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pdpipe.operators import GeneralizeOptions, OperatorError, build_operator
from tests.operators.builders import batches, context, exactly, series, timestamps

REFERENCE = dt.date(2025, 1, 1)
AGE_BAND = {"to": "age_band", "reference_date": "2025-01-01"}


def generalized(values: pd.Series, kind: str = "text", **options: object) -> list[object]:
    return build_operator("generalize", options).apply(values, context(kind)).tolist()


@pytest.mark.parametrize(
    ("to", "value", "expected"),
    [
        ("month", dt.date(1985, 7, 14), dt.date(1985, 7, 1)),
        ("year", dt.date(1985, 7, 14), dt.date(1985, 1, 1)),
        ("month", dt.datetime(2024, 3, 5, 10, 22, 33, 123), dt.datetime(2024, 3, 1)),
        ("year", pd.Timestamp("2024-03-05 10:22:33.5"), pd.Timestamp("2024-01-01")),
    ],
)
def test_when_a_date_is_generalized_then_it_becomes_the_first_instant_of_its_period(
    to: str, value: object, expected: object
) -> None:
    assert generalized(series(value), "date", to=to) == [expected]


@pytest.mark.parametrize(
    ("to", "value", "expected"),
    [
        ("month", "1985-07-14", "1985-07-01"),
        ("year", "1985-07-14", "1985-01-01"),
        ("month", "2024-03-05T10:22Z", "2024-03-01T00:00Z"),
        ("month", "2024-03-05 10:22:33.123+03:00", "2024-03-01 00:00:00+03:00"),
        ("year", "2024-03-05T10", "2024-01-01T00"),
    ],
)
def test_when_iso_text_is_generalized_then_it_stays_iso_text_of_the_same_shape(
    to: str, value: str, expected: str
) -> None:
    assert generalized(series(value), to=to) == [expected]


def test_when_timestamps_have_a_time_zone_then_the_period_starts_in_that_zone() -> None:
    values = timestamps("2024-03-15 01:00", None, tz="Europe/Moscow")

    result = build_operator("generalize", {"to": "month"}).apply(values, context("datetime"))

    assert result.tolist()[0] == pd.Timestamp("2024-03-01", tz="Europe/Moscow")
    assert result.isna().tolist() == [False, True]
    assert result.dtype == values.dtype


def test_when_timestamps_are_a_datetime64_column_then_the_dtype_is_kept() -> None:
    values = timestamps("2024-12-31 23:59", "2023-02-28", index=[4, 2])

    result = build_operator("generalize").apply(values, context("datetime"))

    assert result.tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2023-01-01")]
    assert result.dtype == values.dtype
    assert result.index.tolist() == [4, 2]


def test_when_values_are_null_then_they_stay_null() -> None:
    assert generalized(series(None, "2024-05-05", None)) == [None, "2024-01-01", None]


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (dt.date(1985, 7, 14), "30-39"),
        ("1995-01-01", "30-39"),  # 30 on the reference day itself
        ("1995-01-02", "20-29"),  # turns 30 the day after
        (dt.datetime(2000, 1, 1, 12), "20-29"),
        (dt.date(2030, 1, 1), "0-9"),  # born after the reference day: the first band
    ],
)
def test_when_a_birth_date_is_banded_then_the_age_on_the_reference_date_is_used(
    born: object, band: str
) -> None:
    assert generalized(series(born), **AGE_BAND) == [band]


def test_when_band_years_is_set_then_bands_are_that_wide() -> None:
    assert generalized(series("1985-07-14"), **AGE_BAND, band_years=5) == ["35-39"]
    assert generalized(series("1985-07-14"), **AGE_BAND, band_years=1) == ["39"]


def test_when_birth_dates_are_a_datetime64_column_then_they_are_banded() -> None:
    values = timestamps("1985-07-14", None, "2010-01-01")

    assert generalized(values, **AGE_BAND) == ["30-39", None, "10-19"]


def test_when_age_band_targets_a_date_column_then_it_is_refused() -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            "subscribers.email: operator 'generalize' with to: age_band writes text bands "
            "such as 30-39, which date columns cannot hold: use to: year"
        ),
    ):
        generalized(series(dt.date(1985, 7, 14)), "date", **AGE_BAND)


def test_when_age_band_has_no_reference_date_then_the_options_are_refused() -> None:
    with pytest.raises(ValidationError, match="to: age_band needs reference_date"):
        GeneralizeOptions(to="age_band")


@pytest.mark.parametrize("option", [{"reference_date": "2025-01-01"}, {"band_years": 5}])
def test_when_an_age_band_option_comes_without_age_band_then_it_is_refused(
    option: dict[str, object],
) -> None:
    name = next(iter(option))
    with pytest.raises(
        OperatorError,
        match=exactly(
            f"options of operator 'generalize': {name} applies only to to: age_band, not to: month"
        ),
    ):
        build_operator("generalize", {"to": "month", **option})


def test_when_text_is_not_an_iso_date_then_it_is_refused_without_quoting_it() -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            "subscribers.email: operator 'generalize' found text that is not an ISO 8601 "
            "date: it takes dates, timestamps and ISO 8601 text (YYYY-MM-DD)"
        ),
    ):
        generalized(series("14.07.1985 Anna"))


def test_when_a_json_key_holds_a_number_then_it_is_refused() -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            "subscribers.email: operator 'generalize' found a value of type int, which is not "
            "a date: it takes dates, timestamps and ISO 8601 text (YYYY-MM-DD)"
        ),
    ):
        generalized(series(1985), "json_value")


@pytest.mark.parametrize("kind", ["integer", "float", "other"])
def test_when_the_column_holds_no_dates_then_it_is_refused(kind: str) -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            f"subscribers.email: operator 'generalize' cannot be applied to {kind} columns "
            "(it handles: date, datetime, json_value, text)"
        ),
    ):
        generalized(series(1), kind)


def test_when_the_result_is_longer_than_the_column_then_it_is_refused() -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            "subscribers.email: operator 'generalize' writes values of up to 5 characters, "
            "but the column holds 4"
        ),
    ):
        build_operator("generalize", AGE_BAND).apply(series("1985-07-14"), context(max_length=4))


birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31))


@settings(max_examples=50, deadline=None)
@given(values=batches(st.one_of(st.none(), birth_dates.map(dt.date.isoformat))))
def test_property_age_bands_hide_the_date_and_are_deterministic(values: pd.Series) -> None:
    operator = build_operator("generalize", AGE_BAND)
    first = operator.apply(values, context(max_length=7))

    assert first.equals(operator.apply(values.copy(), context(max_length=7)))
    assert first.index.equals(values.index)
    assert first.isna().tolist() == values.isna().tolist()
    for before, after in zip(values, first, strict=True):
        if before is None:
            continue
        born = dt.date.fromisoformat(before)
        low, high = (int(part) for part in after.split("-"))
        age = (
            REFERENCE.year - born.year - ((REFERENCE.month, REFERENCE.day) < (born.month, born.day))
        )
        assert low <= age <= high and low % 10 == 0 and high == low + 9
        assert before not in after


@settings(max_examples=50, deadline=None)
@given(
    values=batches(st.one_of(st.none(), birth_dates.map(dt.date.isoformat))),
    to=st.sampled_from(["month", "year"]),
)
def test_property_iso_text_falls_to_the_start_of_its_period(values: pd.Series, to: str) -> None:
    operator = build_operator("generalize", {"to": to})
    first = operator.apply(values, context(max_length=10))

    assert first.equals(operator.apply(values.copy(), context(max_length=10)))
    assert first.index.equals(values.index)
    for before, after in zip(values, first, strict=True):
        if before is None:
            assert after is None
            continue
        born, floored = dt.date.fromisoformat(before), dt.date.fromisoformat(after)
        assert floored <= born and floored.day == 1 and floored.year == born.year
        assert floored.month == (born.month if to == "month" else 1)
