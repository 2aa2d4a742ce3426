"""scrub: the PD inside free text replaced by typed placeholders, the rest kept."""

from __future__ import annotations

import pytest

from pdpipe.operators import OperatorError, build_operator
from tests.operators.builders import context, series


def test_when_a_note_holds_a_phone_and_an_email_then_only_they_are_replaced() -> None:
    note = "Клиент просил перезвонить на +7 912 345-67-89 или написать на petrov.a@mail.ru."

    (result,) = build_operator("scrub").apply(series(note), context()).tolist()

    assert result == "Клиент просил перезвонить на [phone] или написать на [email]."


def test_when_a_note_holds_no_pd_then_it_is_left_as_it_was() -> None:
    notes = series("Выслали проект договора на согласование.", None)

    result = build_operator("scrub").apply(notes, context()).tolist()

    assert result == ["Выслали проект договора на согласование.", None]


def test_when_categories_are_given_then_only_those_are_replaced() -> None:
    note = "Звонил с 8 912 345 67 89, почта ivanova@yandex.ru"

    (result,) = (
        build_operator("scrub", {"categories": ["email"], "placeholder": "<{category}>"})
        .apply(series(note), context())
        .tolist()
    )

    assert result == "Звонил с 8 912 345 67 89, почта <email>"


def test_pd_far_into_a_long_note_and_across_a_window_edge_is_replaced() -> None:
    from pdpipe.detectors.values import MAX_CHARS

    filler = "Обсуждали сроки поставки. " * 40
    at_edge = "x" * (MAX_CHARS - 210 - len("почта: ")) + " почта: "
    note = at_edge + "sidorov.ivan@example.org " + filler * 20 + " тел. +7 701 555 12 34"

    (result,) = build_operator("scrub").apply(series(note), context()).tolist()

    assert "sidorov.ivan" not in result and "555 12 34" not in result
    assert result.count("[email]") == 1 and result.endswith("тел. [phone]")


def test_when_placeholders_make_a_value_too_long_then_it_is_cut_to_the_column() -> None:
    (result,) = build_operator("scrub").apply(series("a@b.io"), context(max_length=6)).tolist()
    assert result == "[email"[:6]


def test_an_unknown_category_or_placeholder_field_is_refused() -> None:
    with pytest.raises(OperatorError, match="unknown PD categories"):
        build_operator("scrub", {"categories": ["shoe_size"]})
    with pytest.raises(OperatorError, match="placeholder may use"):
        build_operator("scrub", {"placeholder": "{value}"})


def test_scrub_writes_text_only() -> None:
    with pytest.raises(OperatorError, match="cannot be applied to integer"):
        build_operator("scrub").apply(series(1), context("integer"))
