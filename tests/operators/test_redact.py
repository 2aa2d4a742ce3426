"""redact: deletion (NULL, or a token where NULL is not allowed)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdpipe.operators import OperatorError, build_operator
from tests.operators.builders import batches, context, exactly, series, timestamps


def test_when_the_column_is_nullable_then_every_value_becomes_null() -> None:
    result = build_operator("redact").apply(series("Anna", None, "Ivan"), context())

    assert result.isna().all()
    assert result.tolist() == [None, None, None]


def test_when_a_text_column_is_not_null_then_every_value_becomes_the_token() -> None:
    result = build_operator("redact").apply(series("Anna", "Ivan"), context(nullable=False))

    assert result.tolist() == ["[redacted]", "[redacted]"]


def test_when_the_token_is_longer_than_the_column_then_it_is_cut() -> None:
    result = build_operator("redact", {"token": "-deleted-"}).apply(
        series("Anna"), context(nullable=False, max_length=4)
    )

    assert result.tolist() == ["-del"]


def test_when_the_column_is_a_json_key_then_values_become_json_null() -> None:
    result = build_operator("redact").apply(
        series("+7 916", None), context("json_value", name="attribs.phone", nullable=False)
    )

    assert result.tolist() == [None, None]


@pytest.mark.parametrize(
    ("kind", "values", "dtype"),
    [
        ("integer", pd.Series([1, 2]), "object"),
        ("float", pd.Series([1.5, np.nan]), "float64"),
        ("integer", pd.Series([1, None], dtype="Int64"), "Int64"),
        ("datetime", timestamps("2024-01-01", None), "datetime64[us]"),
        ("date", series(dt.date(2024, 1, 1)), "object"),
    ],
)
def test_when_a_nullable_column_is_not_text_then_values_become_null_in_its_dtype(
    kind: str, values: pd.Series, dtype: str
) -> None:
    result = build_operator("redact").apply(values, context(kind, name="born"))

    assert result.isna().all()
    assert str(result.dtype) == dtype


@pytest.mark.parametrize("kind", ["integer", "float", "datetime", "date", "other"])
def test_when_a_not_null_column_is_not_text_then_it_is_refused(kind: str) -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            f"subscribers.born: operator 'redact' cannot delete values of a NOT NULL {kind} "
            f"column (there is no {kind} token to write instead): allow NULL in the column "
            "or use distort, generalize or shuffle"
        ),
    ):
        build_operator("redact").apply(series(1), context(kind, name="born", nullable=False))


def test_when_the_index_has_gaps_then_the_output_keeps_it() -> None:
    result = build_operator("redact").apply(series("a", "b", index=[9, 2]), context())

    assert result.index.tolist() == [9, 2]


@settings(max_examples=50, deadline=None)
@given(
    values=batches(),
    nullable=st.booleans(),
    max_length=st.one_of(st.none(), st.integers(1, 20)),
)
def test_property_nothing_of_the_input_is_left(
    values: pd.Series, nullable: bool, max_length: int | None
) -> None:
    operator = build_operator("redact")
    column = context(nullable=nullable, max_length=max_length)
    first = operator.apply(values, column)

    assert first.equals(operator.apply(values.copy(), column))
    assert first.index.equals(values.index)
    if nullable:
        assert first.isna().all()
    else:
        assert set(first) == {"[redacted]"[:max_length]}
