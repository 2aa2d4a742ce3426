"""pseudonym_email: ``u_<hex>@<domain>``, the hex joining with ``pseudonym``."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdpipe.operators import OperatorError, build_operator
from tests.operators.builders import OTHER_SECRET, batches, context, exactly, identifying, series


def test_when_an_email_is_given_then_it_becomes_u_hex_at_the_domain() -> None:
    result = build_operator("pseudonym_email").apply(series("Ivan@Mail.ru"), context())

    assert result[0].startswith("u_")
    assert result[0].endswith("@anon.invalid")
    assert len(result[0]) == len("u_") + 24 + len("@anon.invalid")


def test_when_lengths_are_equal_then_the_hex_joins_with_pseudonym() -> None:
    values = series("Ivan@Mail.ru")
    as_email = build_operator("pseudonym_email", {"length": 32}).apply(values, context())
    as_id = build_operator("pseudonym").apply(series("ivan@mail.ru"), context(name="login"))

    assert as_email[0] == f"u_{as_id[0]}@anon.invalid"


def test_when_a_domain_is_set_then_it_is_used() -> None:
    result = build_operator("pseudonym_email", {"domain": "example.invalid"}).apply(
        series("a@b.ru"), context()
    )

    assert result[0].endswith("@example.invalid")


def test_when_values_are_null_or_blank_then_null_stays_and_blank_is_empty() -> None:
    result = build_operator("pseudonym_email").apply(series(None, " ", "a@b.ru"), context())

    assert result[0] is None
    assert result[1] == ""
    assert result[2].startswith("u_")


def test_when_the_column_is_short_then_fewer_hex_are_kept() -> None:
    result = build_operator("pseudonym_email").apply(series("a@b.ru"), context(max_length=30))

    assert len(result[0]) == 30  # u_ + 15 hex + @anon.invalid


def test_when_the_column_cannot_hold_8_hex_then_it_is_refused() -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            "subscribers.email: operator 'pseudonym_email' needs at least 23 characters (8 "
            "hex characters and 15 more), but the column holds 20: widen the column or "
            "shorten the prefix/domain"
        ),
    ):
        build_operator("pseudonym_email").apply(series("a@b.ru"), context(max_length=20))


def test_when_the_secret_is_empty_then_it_is_refused() -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            "subscribers.email: operator 'pseudonym_email' needs a secret key: set the "
            "pseudonym key (policy secrets.pseudonym_key)"
        ),
    ):
        build_operator("pseudonym_email").apply(series("a@b.ru"), context(secret=b""))


@pytest.mark.parametrize("kind", ["integer", "float", "datetime", "date", "other"])
def test_when_the_column_is_not_text_then_it_is_refused(kind: str) -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            f"subscribers.email: operator 'pseudonym_email' cannot be applied to {kind} "
            "columns (it handles: json_value, text)"
        ),
    ):
        build_operator("pseudonym_email").apply(series(1), context(kind))


@settings(max_examples=50, deadline=None)
@given(values=batches(), max_length=st.one_of(st.none(), st.integers(23, 80)))
def test_property_output_hides_fits_and_is_deterministic(
    values: pd.Series, max_length: int | None
) -> None:
    operator = build_operator("pseudonym_email")
    first = operator.apply(values, context(max_length=max_length))
    second = operator.apply(values.copy(), context(max_length=max_length))

    assert first.equals(second)
    assert first.index.equals(values.index)
    assert first.isna().tolist() == values.isna().tolist()
    for before, after in zip(values, first, strict=True):
        if before is not None:
            hex_part = after.removeprefix("u_").removesuffix("@anon.invalid")
            assert after == f"u_{hex_part}@anon.invalid"
            assert before not in hex_part  # before has a non-hex character
            assert max_length is None or len(after) <= max_length


@settings(max_examples=50, deadline=None)
@given(email=st.emails())
def test_property_emails_are_case_insensitive_and_keyed(email: str) -> None:
    operator = build_operator("pseudonym_email")
    result = operator.apply(series(email.upper(), email.lower()), context())
    other = operator.apply(series(email), context(secret=OTHER_SECRET))

    assert result[0] == result[1] != other[0]


@settings(max_examples=50, deadline=None)
@given(value=identifying)
def test_property_the_same_value_gets_the_same_pseudonym_in_every_column(value: str) -> None:
    operator = build_operator("pseudonym_email")

    assert (
        operator.apply(series(value), context(table="crm"))[0]
        == operator.apply(series(value), context(name="attribs.mail"))[0]
    )
