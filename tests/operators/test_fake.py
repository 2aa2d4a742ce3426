"""fake: a realistic made-up value from Faker, the same for the same input."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pdpipe.operators import Fake, FakeOptions, OperatorError, build_operator
from tests.operators.builders import OTHER_SECRET, batches, context, exactly, identifying, series

LAST_NAME = {"provider": "last_name"}


def fake(values: pd.Series, **column: Any) -> pd.Series:
    return build_operator("fake", LAST_NAME).apply(values, context(name="surname", **column))


def test_when_a_name_is_faked_then_it_becomes_another_realistic_name() -> None:
    result = fake(series("Петров", "Сидорова"))

    assert all(isinstance(v, str) and v and v not in ("Петров", "Сидорова") for v in result)


def test_when_the_same_value_comes_twice_or_in_another_batch_then_the_fake_is_the_same() -> None:
    first = fake(series("Петров", "Иванов", "Петров"))
    again = fake(series("Петров "))

    assert first[0] == first[2] == again[0]


def test_when_the_secret_differs_then_the_fakes_differ() -> None:
    values = series(*(f"person-{n}" for n in range(10)))

    assert not fake(values).equals(fake(values, secret=OTHER_SECRET))


def test_when_values_are_null_or_blank_then_null_stays_and_blank_is_empty() -> None:
    assert fake(series(None, " ", "Петров")).tolist()[:2] == [None, ""]


def test_when_the_column_is_short_then_the_fake_is_cut() -> None:
    result = build_operator("fake").apply(series("Анна Петрова"), context(max_length=5))

    assert len(result[0]) <= 5


def test_when_the_index_has_gaps_then_the_output_keeps_it() -> None:
    assert fake(series("Петров", None, index=[8, 3])).index.tolist() == [8, 3]


def test_when_another_locale_is_set_then_its_names_are_used() -> None:
    result = build_operator("fake", {"provider": "first_name", "locale": "en_US"}).apply(
        series("Анна"), context()
    )

    assert result[0].isascii()


def test_when_the_provider_is_unknown_then_the_options_are_refused() -> None:
    with pytest.raises(
        ValidationError, match="unknown Faker provider 'surname' for locale 'ru_RU'"
    ):
        FakeOptions(provider="surname")


def test_when_the_provider_is_unknown_then_building_the_operator_is_refused() -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            "options of operator 'fake': unknown Faker provider 'seed' for locale 'ru_RU' "
            "(e.g. name, last_name, first_name, email, phone_number, address, city)"
        ),
    ):
        build_operator("fake", {"provider": "seed"})


def test_when_options_skip_validation_then_construction_still_refuses_the_provider() -> None:
    with pytest.raises(OperatorError, match=r"^operator 'fake': unknown Faker provider 'nope'"):
        Fake(FakeOptions.model_construct(provider="nope", locale="ru_RU"))


@pytest.mark.parametrize("provider", ["date_of_birth", "binary", "pyobject"])
def test_when_the_provider_is_not_replayable_or_not_text_then_it_is_refused(
    provider: str,
) -> None:
    with pytest.raises(OperatorError, match=f"unknown Faker provider '{provider}'"):
        build_operator("fake", {"provider": provider})


def test_when_the_locale_is_unknown_then_the_options_are_refused() -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            "options of operator 'fake': unknown Faker locale 'xx_XX' (e.g. ru_RU, en_US)"
        ),
    ):
        build_operator("fake", {"locale": "xx_XX"})


def test_when_a_provider_keeps_drawing_the_value_then_it_is_refused() -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            "subscribers.surname: operator 'fake' with provider 'current_country' kept "
            "drawing the original value: use a provider with more variety"
        ),
    ):
        build_operator("fake", {"provider": "current_country"}).apply(
            series("Russia"), context(name="surname")
        )


@pytest.mark.parametrize("kind", ["integer", "float", "datetime", "date", "other"])
def test_when_the_column_is_not_text_then_it_is_refused(kind: str) -> None:
    with pytest.raises(
        OperatorError,
        match=exactly(
            f"subscribers.surname: operator 'fake' cannot be applied to {kind} columns "
            "(it handles: json_value, text)"
        ),
    ):
        build_operator("fake").apply(series(1), context(kind, name="surname"))


def test_when_the_secret_is_empty_then_it_is_refused() -> None:
    with pytest.raises(OperatorError, match="operator 'fake' needs a secret key"):
        fake(series("Петров"), secret=b"")


@settings(max_examples=50, deadline=None)
@given(values=batches(), max_length=st.one_of(st.none(), st.integers(3, 40)))
def test_property_fakes_hide_fit_and_are_deterministic(
    values: pd.Series, max_length: int | None
) -> None:
    operator = build_operator("fake", {"provider": "name"})
    first = operator.apply(values, context(max_length=max_length))

    assert first.equals(operator.apply(values.copy(), context(max_length=max_length)))
    assert first.index.equals(values.index)
    assert first.isna().tolist() == values.isna().tolist()
    for before, after in zip(values, first, strict=True):
        if before is not None:
            assert before.strip().casefold() not in after.casefold()
            assert max_length is None or len(after) <= max_length


@settings(max_examples=50, deadline=None)
@given(value=identifying)
def test_property_the_same_value_gets_the_same_fake_in_every_column(value: str) -> None:
    operator = build_operator("fake", LAST_NAME)

    assert (
        operator.apply(series(value), context(table="crm", name="surname"))[0]
        == operator.apply(series("Петров", value), context(name="attribs.surname"))[1]
    )
