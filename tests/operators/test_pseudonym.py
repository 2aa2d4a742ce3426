"""pseudonym: keyed HMAC-SHA256 hex in place of each value."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdpipe.operators import OperatorError, Pseudonym, PseudonymOptions, build_operator
from tests.operators.builders import (
    OTHER_SECRET,
    SECRET,
    batches,
    context,
    exactly,
    identifying,
    series,
)


def pseudonym(**options: object) -> Pseudonym:
    operator = build_operator("pseudonym", options)
    assert isinstance(operator, Pseudonym)
    return operator


def expected_hex(text: str, secret: bytes = SECRET) -> str:
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def test_when_a_value_is_given_then_it_becomes_the_first_32_hex_of_its_keyed_hmac() -> None:
    result = pseudonym().apply(series("Anna Petrova"), context())

    assert result.tolist() == [expected_hex("Anna Petrova")[:32]]


def test_when_prefix_and_length_are_set_then_the_output_is_the_prefix_and_that_many_hex() -> None:
    result = pseudonym(prefix="p_", length=12).apply(series("Anna"), context())

    assert result.tolist() == ["p_" + expected_hex("Anna")[:12]]


def test_when_an_email_differs_in_case_and_spaces_then_the_pseudonym_is_the_same() -> None:
    result = pseudonym().apply(series("Ivan@Mail.ru", " ivan@mail.ru "), context())

    assert result[0] == result[1] == expected_hex("ivan@mail.ru")[:32]


def test_when_a_name_differs_in_case_then_the_pseudonym_differs() -> None:
    result = pseudonym().apply(series("Anna", "anna"), context())

    assert result[0] != result[1]


def test_when_values_are_null_then_they_stay_null() -> None:
    result = pseudonym().apply(series(None, np.nan, pd.NA, "Anna"), context())

    assert result[:3].isna().all()
    assert result[3] == expected_hex("Anna")[:32]


def test_when_a_value_is_blank_then_it_becomes_empty_text() -> None:
    result = pseudonym().apply(series("", "   "), context())

    assert result.tolist() == ["", ""]


def test_when_an_integer_is_read_as_a_float_then_it_gets_the_integer_pseudonym() -> None:
    result = pseudonym().apply(series(79161234567, 79161234567.0, "79161234567"), context())

    assert result.nunique() == 1


def test_when_the_index_has_gaps_then_the_output_keeps_it() -> None:
    result = pseudonym().apply(series("a1x", None, "b2y", index=[30, 7, 12]), context())

    assert result.index.tolist() == [30, 7, 12]
    assert result.isna().tolist() == [False, True, False]


def test_when_the_column_is_a_json_key_then_values_are_pseudonymized() -> None:
    result = pseudonym().apply(series("Anna"), context("json_value", name="attribs.name"))

    assert result.tolist() == [expected_hex("Anna")[:32]]


def test_when_the_column_is_shorter_than_prefix_and_length_then_fewer_hex_are_kept() -> None:
    result = pseudonym(prefix="p_", length=32).apply(series("Anna"), context(max_length=12))

    assert result.tolist() == ["p_" + expected_hex("Anna")[:10]]


def test_when_the_column_cannot_hold_8_hex_then_it_is_refused() -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            "subscribers.email: operator 'pseudonym' needs at least 10 characters (8 hex "
            "characters and 2 more), but the column holds 9: widen the column or shorten "
            "the prefix/domain"
        ),
    ):
        pseudonym(prefix="p_").apply(series("Anna"), context(max_length=9))


def test_when_the_secret_is_empty_then_it_is_refused() -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            "subscribers.email: operator 'pseudonym' needs a secret key: set the pseudonym "
            "key (policy secrets.pseudonym_key)"
        ),
    ):
        pseudonym().apply(series("Anna"), context(secret=b""))


@pytest.mark.parametrize("kind", ["integer", "float", "datetime", "date", "other"])
def test_when_the_column_is_not_text_then_it_is_refused(kind: str) -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            f"subscribers.created: operator 'pseudonym' cannot be applied to {kind} columns "
            "(it handles: json_value, text)"
        ),
    ):
        pseudonym().apply(series(1), context(kind, name="created"))


def test_when_the_column_is_not_null_then_values_are_still_pseudonyms() -> None:
    result = pseudonym().apply(series("Anna"), context(nullable=False))

    assert result.tolist() == [expected_hex("Anna")[:32]]


def test_when_a_refusal_is_raised_then_it_never_quotes_a_value() -> None:
    with pytest.raises(OperatorError) as raised:
        pseudonym().apply(series("Anna Petrova"), context(secret=b""))

    assert "Anna" not in str(raised.value)


def test_when_options_are_direct_then_the_model_is_the_same() -> None:
    assert Pseudonym(PseudonymOptions(length=8)).options.length == 8


@settings(max_examples=50, deadline=None)
@given(values=batches(), max_length=st.one_of(st.none(), st.integers(8, 64)))
def test_property_output_hides_fits_and_is_deterministic(
    values: pd.Series, max_length: int | None
) -> None:
    operator = pseudonym()
    first = operator.apply(values, context(max_length=max_length))
    second = operator.apply(values.copy(), context(max_length=max_length))

    assert first.equals(second)
    assert first.index.equals(values.index)
    assert first.isna().tolist() == values.isna().tolist()
    for before, after in zip(values, first, strict=True):
        if before is not None:
            assert before not in after
            assert max_length is None or len(after) <= max_length


@settings(max_examples=50, deadline=None)
@given(value=identifying)
def test_property_the_same_value_gets_the_same_pseudonym_in_every_table_and_column(
    value: str,
) -> None:
    operator = pseudonym()
    in_one = operator.apply(series("x-1", value), context(table="crm", name="email"))
    in_other = operator.apply(series(value), context(table="mail", name="attribs.contact"))

    assert in_one[1] == in_other[0]


@settings(max_examples=50, deadline=None)
@given(value=identifying)
def test_property_another_secret_gives_another_pseudonym(value: str) -> None:
    operator = pseudonym()

    assert (
        operator.apply(series(value), context())[0]
        != operator.apply(series(value), context(secret=OTHER_SECRET))[0]
    )


@settings(max_examples=50, deadline=None)
@given(email=st.emails())
def test_property_emails_are_case_insensitive(email: str) -> None:
    result = pseudonym().apply(series(email, email.upper(), email.lower()), context())

    assert result.nunique() == 1
