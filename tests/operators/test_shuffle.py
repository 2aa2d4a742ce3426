"""shuffle: mixing values between the rows of a batch."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdpipe.operators import OperatorError, build_operator
from pdpipe.operators._values import normalized
from tests.operators.builders import OTHER_SECRET, batches, context, exactly, series, timestamps


def shuffle(values: pd.Series, kind: str = "text", **column: Any) -> pd.Series:
    return build_operator("shuffle").apply(values, context(kind, name="city", **column))


def test_when_a_batch_is_shuffled_then_no_row_keeps_its_value() -> None:
    values = series("Moscow", "Kazan", "Omsk", "Tver", "Perm", index=[10, 20, 30, 40, 50])

    result = shuffle(values)

    assert sorted(result) == sorted(values)
    assert (result != values).all()
    assert result.index.equals(values.index)


def test_when_nulls_are_in_the_batch_then_they_stay_where_they_are() -> None:
    values = series("Moscow", None, "Kazan", None, "Omsk")

    result = shuffle(values)

    assert result.isna().tolist() == [False, True, False, True, False]
    assert sorted(result.dropna()) == ["Kazan", "Moscow", "Omsk"]


def test_when_the_same_rows_arrive_in_another_order_then_each_row_gets_the_same_value() -> None:
    values = series("Moscow", "Kazan", "Omsk", "Tver", index=[1, 2, 3, 4])
    reordered = values.iloc[[2, 0, 3, 1]]

    assert shuffle(values).equals(shuffle(reordered).sort_index())


def test_when_the_secret_differs_then_the_mixing_differs() -> None:
    values = series(*(f"city-{n}" for n in range(20)))
    operator = build_operator("shuffle")

    assert not operator.apply(values, context()).equals(
        operator.apply(values, context(secret=OTHER_SECRET))
    )


def test_when_numbers_and_timestamps_are_shuffled_then_the_dtype_is_kept() -> None:
    numbers = pd.Series([1, 2, 3], index=[7, 8, 9])
    stamps = timestamps("2024-01-01", None, "2024-02-01")

    assert shuffle(numbers, "integer").dtype == np.int64
    assert sorted(shuffle(numbers, "integer")) == [1, 2, 3]
    assert shuffle(stamps, "datetime").dtype == stamps.dtype
    assert shuffle(stamps, "datetime").isna().tolist() == [False, True, False]


@pytest.mark.parametrize(
    "values", [series("Moscow"), series("Moscow", "Moscow", None), series(" Moscow", "Moscow")]
)
def test_when_a_batch_has_fewer_than_two_distinct_values_then_it_is_deleted(
    values: pd.Series,
) -> None:
    assert shuffle(values).isna().all()


def test_when_such_a_batch_is_in_a_not_null_text_column_then_it_gets_the_token() -> None:
    result = shuffle(series("Moscow", "Moscow"), nullable=False, max_length=5)

    assert result.tolist() == ["[reda", "[reda"]


def test_when_such_a_batch_is_at_a_json_key_then_it_becomes_json_null() -> None:
    assert shuffle(series("Moscow"), "json_value", nullable=False).tolist() == [None]


def test_when_such_a_batch_is_in_a_not_null_integer_column_then_it_is_refused() -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            "subscribers.city: operator 'shuffle' cannot mix a batch with fewer than 2 "
            "distinct values, and cannot delete them instead in a NOT NULL integer column: "
            "allow NULL or use distort or generalize"
        ),
    ):
        shuffle(pd.Series([5, 5]), "integer", nullable=False)


def test_when_a_batch_is_all_null_then_it_is_returned_as_is() -> None:
    assert shuffle(series(None, None)).tolist() == [None, None]


def test_when_the_secret_is_empty_then_it_is_refused() -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            "subscribers.city: operator 'shuffle' needs a secret key: set the pseudonym key "
            "(policy secrets.pseudonym_key)"
        ),
    ):
        shuffle(series("a", "b"), secret=b"")


@settings(max_examples=50, deadline=None)
@given(values=batches(st.one_of(st.none(), st.text(min_size=1, max_size=10))))
def test_property_values_only_change_rows(values: pd.Series) -> None:
    first = shuffle(values)

    assert first.equals(shuffle(values.copy()))
    assert first.index.equals(values.index)
    kept = values.dropna()
    if len({normalized(value) for value in kept}) < 2:
        assert first.isna().all()
        return
    assert first.isna().tolist() == values.isna().tolist()
    assert Counter(first.dropna()) == Counter(kept)
    # one cycle through every non-NULL row: no row keeps its own value, and a row shows
    # an equal value only when that value repeats in the batch
    counts = Counter(kept)
    for before, after in zip(kept, first.dropna(), strict=True):
        assert after != before or counts[before] > 1
