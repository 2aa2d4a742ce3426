"""mask: a few characters kept, the others replaced, the length kept."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdpipe.operators import MaskOptions, OperatorError, build_operator
from pdpipe.operators.mask import SEPARATORS
from tests.operators.builders import batches, context, exactly, series

PHONE = context("json_value", name="attribs.phone")


def mask(values: pd.Series, **options: object) -> list[object]:
    return build_operator("mask", options).apply(values, context()).tolist()


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        ({"keep_last": 2}, "+7 916 123-45-67", "+* *** ***-**-67"),
        ({"keep_first": 1, "keep_last": 2}, "+7 916 123-45-67", "+7 *** ***-**-67"),
        ({}, "ivan.petrov@mail.ru", "****.******@****.**"),
        ({"keep_first": 1}, "ivan.petrov@mail.ru", "i***.******@****.**"),
        ({"keep_last": 2, "keep_separators": False}, "+7 916 12", "*******12"),
        ({"char": "#", "keep_last": 1}, "(495) 12", "(###) #2"),
        ({"keep_last": 4}, "1234 5678", "**** 5678"),
    ],
)
def test_when_a_value_is_masked_then_only_the_kept_characters_and_separators_show(
    options: dict[str, object], value: str, expected: str
) -> None:
    assert mask(series(value), **options) == [expected]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("ab", "*b"), ("a", "*"), ("abcd", "**cd"), ("a-b", "*-b"), ("---", "---"), ("", "")],
)
def test_when_a_value_is_short_then_at_most_half_of_it_shows(value: str, expected: str) -> None:
    assert mask(series(value), keep_first=2, keep_last=2) == [expected]


def test_when_values_are_null_then_they_stay_null() -> None:
    assert mask(series(None, "abcd", float("nan")), keep_last=1)[::2] == [None, None]


def test_when_a_json_key_holds_a_number_then_its_text_is_masked() -> None:
    result = build_operator("mask", {"keep_last": 2}).apply(series(79161234567), PHONE)

    assert result.tolist() == ["*********67"]


@pytest.mark.parametrize(
    ("value", "type_name"), [(True, "bool"), ({"a": 1}, "dict"), ([1], "list")]
)
def test_when_a_json_key_holds_no_text_or_number_then_it_is_refused(
    value: object, type_name: str
) -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            f"subscribers.attribs.phone: operator 'mask' found a value of type {type_name}, "
            "which it cannot mask: use redact or drop_key"
        ),
    ):
        build_operator("mask").apply(series(value), PHONE)


@pytest.mark.parametrize("kind", ["integer", "float", "datetime", "date", "other"])
def test_when_the_column_is_not_text_then_it_is_refused(kind: str) -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            f"subscribers.phone: operator 'mask' cannot be applied to {kind} columns "
            "(it handles: json_value, text)"
        ),
    ):
        build_operator("mask").apply(series(1), context(kind, name="phone"))


def test_when_the_column_is_not_null_and_short_then_the_mask_keeps_the_length() -> None:
    result = build_operator("mask", {"keep_last": 2}).apply(
        series("abcdef"), context(nullable=False, max_length=6)
    )

    assert result.tolist() == ["****ef"]


def test_when_the_index_has_gaps_then_the_output_keeps_it() -> None:
    result = build_operator("mask").apply(series("ab", None, index=[5, 1]), context())

    assert result.index.tolist() == [5, 1]


# Letters, digits and separators, never the mask character itself.
maskable = st.text(
    alphabet=st.sampled_from("abcXYZ0189 +-().@_яЖ"), min_size=4, max_size=30
).filter(lambda t: any(c not in SEPARATORS for c in t))


@settings(max_examples=50, deadline=None)
@given(
    values=batches(st.one_of(st.none(), maskable)),
    keep_first=st.integers(0, 2),
    keep_last=st.integers(0, 2),
    keep_separators=st.booleans(),
)
def test_property_the_masked_part_is_gone_and_the_length_is_kept(
    values: pd.Series, keep_first: int, keep_last: int, keep_separators: bool
) -> None:
    options = MaskOptions(
        keep_first=keep_first, keep_last=keep_last, keep_separators=keep_separators
    )
    operator = build_operator("mask", options.model_dump())
    first = operator.apply(values, context())

    assert first.equals(operator.apply(values.copy(), context()))
    assert first.index.equals(values.index)
    assert first.isna().tolist() == values.isna().tolist()
    for before, after in zip(values, first, strict=True):
        if before is None:
            continue
        assert len(after) == len(before)
        assert after != before  # so the output never contains the input
        counted = [i for i, c in enumerate(before) if not (keep_separators and c in SEPARATORS)]
        visible = [i for i in counted if after[i] == before[i]]
        hidden = [i for i in counted if after[i] == "*"]
        assert len(visible) <= min(keep_first + keep_last, len(counted) // 2)
        assert sorted(visible + hidden) == counted
        assert all(after[i] == before[i] for i in range(len(before)) if i not in counted)
