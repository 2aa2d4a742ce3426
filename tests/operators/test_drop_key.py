"""drop_key: deletion of a key inside a JSON column."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdpipe.operators import REMOVE_KEY, OperatorError, build_operator
from tests.operators.builders import batches, context, exactly, series

PHONE = context("json_value", name="attribs.phone")


def test_when_a_json_key_has_a_value_then_it_is_marked_for_removal() -> None:
    result = build_operator("drop_key").apply(series("+7 916", 42, {"a": 1}, [1]), PHONE)

    assert result.tolist() == [REMOVE_KEY] * 4


def test_when_a_json_key_is_null_then_it_stays_null() -> None:
    result = build_operator("drop_key").apply(series(None, "x", float("nan")), PHONE)

    assert result.tolist() == [None, REMOVE_KEY, None]


def test_when_the_index_has_gaps_then_the_output_keeps_it() -> None:
    result = build_operator("drop_key").apply(series("x", None, index=[12, 4]), PHONE)

    assert result.index.tolist() == [12, 4]


@pytest.mark.parametrize("kind", ["text", "integer", "float", "datetime", "date", "other"])
def test_when_the_column_is_not_a_json_key_then_it_is_refused(kind: str) -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            f"subscribers.phone: operator 'drop_key' cannot be applied to {kind} columns "
            "(it handles: json_value)"
        ),
    ):
        build_operator("drop_key").apply(series("x"), context(kind, name="phone"))


@settings(max_examples=50, deadline=None)
@given(values=batches(st.one_of(st.none(), st.text(), st.integers())))
def test_property_every_present_value_goes_and_nulls_stay(values: pd.Series) -> None:
    result = build_operator("drop_key").apply(values, PHONE)

    assert result.index.equals(values.index)
    assert [v is REMOVE_KEY for v in result] == values.notna().tolist()
    assert result[values.isna()].isna().all()
