"""distort: bounded, keyed noise on numbers and dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdpipe.operators import OperatorError, build_operator
from tests.operators.builders import OTHER_SECRET, batches, context, exactly, series, timestamps


def distort(values: pd.Series, kind: str, **options: object) -> pd.Series:
    return build_operator("distort", options).apply(values, context(kind, name="amount"))


def test_when_integers_are_distorted_then_they_stay_integers_within_the_bound() -> None:
    values = pd.Series([1000, 250, 40], index=[3, 1, 2])

    result = distort(values, "integer", max_relative=0.1)

    assert result.dtype == np.int64
    assert result.index.tolist() == [3, 1, 2]
    assert ((result - values).abs() <= values * 0.1 + 0.5).all()
    assert (result != values).all()


def test_when_an_integer_is_too_small_to_move_within_the_bound_then_it_may_stay() -> None:
    result = distort(pd.Series([0, 3]), "integer", max_relative=0.1)

    assert result.tolist() == [0, 3]


def test_when_integers_with_nulls_come_as_floats_then_nulls_stay_and_values_are_whole() -> None:
    values = pd.Series([1000.0, np.nan, 37.0])

    result = distort(values, "integer", max_relative=0.5)

    assert result.isna().tolist() == [False, True, False]
    assert all(float(v).is_integer() for v in result.dropna())


def test_when_a_nullable_integer_dtype_is_given_then_it_is_kept() -> None:
    values = pd.Series([1000, None, 2000], dtype="Int64")

    result = distort(values, "integer")

    assert result.dtype == "Int64"
    assert result.isna().tolist() == [False, True, False]


def test_when_floats_are_distorted_then_they_move_by_at_most_max_relative() -> None:
    values = pd.Series([100.0, -50.5, np.nan])

    result = distort(values, "float", max_relative=0.2)

    assert result.isna().tolist() == [False, False, True]
    ratios = (result / values).dropna()
    assert ((ratios >= 0.8) & (ratios <= 1.2) & (ratios != 1)).all()


def test_when_the_same_value_appears_twice_then_it_gets_the_same_noise() -> None:
    result = distort(pd.Series([1234.5, 1234.5]), "float")

    assert result[0] == result[1]


def test_when_the_secret_differs_then_the_noise_differs() -> None:
    values = pd.Series([1234.5])
    operator = build_operator("distort")

    assert (
        operator.apply(values, context("float"))[0]
        != operator.apply(values, context("float", secret=OTHER_SECRET))[0]
    )


def test_when_decimals_are_distorted_then_they_keep_their_scale() -> None:
    result = distort(series(Decimal("1000.00"), None), "float")

    assert isinstance(result[0], Decimal)
    assert result[0].as_tuple().exponent == -2
    assert result[1] is None


def test_when_dates_are_distorted_then_they_move_by_whole_days_never_zero() -> None:
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=n) for n in range(200)]

    result = distort(series(*days), "date", max_days=3)

    moves = {(after - before).days for before, after in zip(days, result, strict=True)}
    assert moves <= {-3, -2, -1, 1, 2, 3}
    assert len(moves) > 1


def test_when_timestamps_are_distorted_then_the_dtype_and_the_time_of_day_are_kept() -> None:
    values = timestamps("2024-03-15 10:30", None, tz="UTC")

    result = distort(values, "datetime", max_days=30)

    assert result.dtype == values.dtype
    assert result.isna().tolist() == [False, True]
    moved = result[0] - values[0]
    assert moved.components.hours == 0 and moved != pd.Timedelta(0)
    assert abs(moved.days) <= 30


def test_when_a_json_key_holds_numbers_then_they_are_distorted() -> None:
    result = build_operator("distort").apply(
        series(1000, 12.5, None), context("json_value", name="attribs.income")
    )

    assert isinstance(result[0], int) and result[0] != 1000
    assert isinstance(result[1], float)
    assert result[2] is None


@pytest.mark.parametrize(
    ("kind", "value", "type_name"),
    [("json_value", "Anna", "str"), ("json_value", True, "bool"), ("date", "2024-01-01", "str")],
)
def test_when_a_value_is_no_number_or_date_then_it_is_refused(
    kind: str, value: object, type_name: str
) -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            f"subscribers.amount: operator 'distort' found a value of type {type_name}, which "
            "it cannot distort: it takes numbers, dates and timestamps (use mask, generalize "
            "or fake on text)"
        ),
    ):
        distort(series(value), kind)


@pytest.mark.parametrize("kind", ["text", "other"])
def test_when_the_column_is_text_then_it_is_refused(kind: str) -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            f"subscribers.amount: operator 'distort' cannot be applied to {kind} columns "
            "(it handles: date, datetime, float, integer, json_value)"
        ),
    ):
        distort(series("Anna"), kind)


def test_when_the_secret_is_empty_then_it_is_refused() -> None:
    with pytest.raises(OperatorError, match="needs a secret key: set the pseudonym key"):
        build_operator("distort").apply(pd.Series([1.0]), context("float", secret=b""))


def test_when_a_date_would_leave_the_calendar_then_it_is_refused() -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            "subscribers.amount: operator 'distort' moved a date out of the representable "
            "range: lower max_days"
        ),
    ):
        distort(series(dt.date.max, dt.date.min), "date")


@settings(max_examples=50, deadline=None)
@given(
    values=batches(st.one_of(st.none(), st.integers(-(10**9), 10**9))),
    bound=st.floats(0.01, 1),
)
def test_property_integers_stay_within_the_bound_and_are_deterministic(
    values: pd.Series, bound: float
) -> None:
    operator = build_operator("distort", {"max_relative": bound})
    first = operator.apply(values, context("json_value", name="attribs.n"))

    assert first.equals(operator.apply(values.copy(), context("json_value", name="attribs.n")))
    assert first.index.equals(values.index)
    for before, after in zip(values, first, strict=True):
        if before is None:
            assert after is None
            continue
        assert abs(after - before) <= abs(before) * bound + 1
        if abs(before) * bound >= 1:
            assert after != before


@settings(max_examples=50, deadline=None)
@given(
    values=batches(st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)))),
    max_days=st.integers(1, 400),
)
def test_property_dates_always_move_within_max_days(values: pd.Series, max_days: int) -> None:
    operator = build_operator("distort", {"max_days": max_days})
    first = operator.apply(values, context("date"))

    assert first.equals(operator.apply(values.copy(), context("date")))
    for before, after in zip(values, first, strict=True):
        if before is None:
            assert after is None
        else:
            assert 1 <= abs((after - before).days) <= max_days
