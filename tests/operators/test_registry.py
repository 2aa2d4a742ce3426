"""The registry: every operator is named, documented, tested; names are unique."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest

from pdpipe.operators import (
    KINDS,
    OPERATORS,
    Method,
    Operator,
    OperatorContext,
    OperatorError,
    OperatorOptions,
    build_operator,
    register,
)
from pdpipe.operators.mask import Mask, MaskOptions
from tests.operators.builders import context, exactly, series

HERE = Path(__file__).parent
KNOWN = (
    "distort, drop_key, fake, generalize, mask, pseudonym, pseudonym_email, redact, scrub, shuffle"
)


def test_when_the_package_is_imported_then_every_operator_is_registered() -> None:
    assert ", ".join(sorted(OPERATORS)) == KNOWN


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_every_operator_has_an_options_model_a_docstring_kinds_and_a_test_file(
    name: str,
) -> None:
    operator = OPERATORS[name]

    assert operator.name == name
    assert issubclass(operator.options_model, OperatorOptions)
    assert operator.options_model.__doc__
    assert operator.__doc__ and len(operator.__doc__) > 80
    assert operator.kinds and operator.kinds <= KINDS
    assert (HERE / f"test_{name}.py").is_file()


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_every_operator_builds_with_default_options_or_says_what_it_needs(name: str) -> None:
    try:
        operator = build_operator(name)
    except OperatorError as exc:  # only generalize's age_band needs more; default is year
        pytest.fail(f"{name}: {exc}")
    assert isinstance(operator, OPERATORS[name])


@pytest.mark.parametrize("name", sorted(n for n, op in OPERATORS.items() if KINDS - op.kinds))
def test_every_operator_refuses_a_kind_it_does_not_handle_naming_the_column(name: str) -> None:
    operator = build_operator(name)
    refused = sorted(KINDS - operator.kinds)
    with pytest.raises(OperatorError, match=f"^subscribers.x: operator '{name}' cannot be"):
        operator.apply(series("Anna"), context(refused[0], name="x"))


@pytest.mark.parametrize("name", sorted(n for n, op in OPERATORS.items() if op.needs_secret))
def test_every_keyed_operator_refuses_an_empty_secret(name: str) -> None:
    operator = build_operator(name)
    kind = sorted(operator.kinds)[0]
    with pytest.raises(OperatorError, match="set the pseudonym key"):
        operator.apply(series("Anna"), context(kind, secret=b""))


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_every_operator_keeps_the_index_of_an_empty_batch(name: str) -> None:
    operator = build_operator(name)
    kind = "text" if "text" in operator.kinds else sorted(operator.kinds)[0]
    empty = pd.Series([], dtype=object)

    assert len(operator.apply(empty, context(kind))) == 0


def test_when_a_name_is_registered_twice_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^operator 'mask' is already registered by "):

        @register
        class Mask2(Operator[MaskOptions]):
            """Another mask."""

            name = "mask"
            method = Method.COMPOSITION
            options_model = MaskOptions

            def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
                return values

    assert OPERATORS["mask"] is Mask


def test_when_a_class_has_no_name_then_it_is_refused() -> None:
    class Nameless(Operator[MaskOptions]):
        """No name."""

        options_model: ClassVar[type[OperatorOptions]] = MaskOptions

        def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
            return values

    with pytest.raises(TypeError, match="has no operator name"):
        register(Nameless)


def test_when_a_class_names_no_method_then_it_is_refused() -> None:
    class Methodless(Operator[MaskOptions]):
        """Says what it is called, not what the law would call what it does."""

        name = "methodless"
        options_model: ClassVar[type[OperatorOptions]] = MaskOptions

        def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
            return values

    with pytest.raises(TypeError, match="names no depersonalization method"):
        register(Methodless)
    assert "methodless" not in OPERATORS


def test_every_operator_names_its_method() -> None:
    assert {name: cls.method.value for name, cls in OPERATORS.items()} == {
        "distort": "distortion",
        "drop_key": "deletion",
        "fake": "distortion",
        "generalize": "composition",
        "mask": "composition",
        "pseudonym": "identifiers",
        "pseudonym_email": "identifiers",
        "redact": "deletion",
        "scrub": "composition",
        "shuffle": "mixing",
    }


def test_when_the_name_is_unknown_then_the_error_lists_the_known_ones() -> None:
    with pytest.raises(OperatorError, match=exactly(f"unknown operator 'hsah' (known: {KNOWN})")):
        build_operator("hsah")


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        (
            "mask",
            {"keep_lats": 2},
            "options of operator 'mask': keep_lats: Extra inputs are not permitted",
        ),
        (
            "mask",
            {"keep_first": 3, "keep_last": 2},
            "options of operator 'mask': keep_first + keep_last may be at most 4: a mask "
            "must hide the value",
        ),
        (
            "pseudonym",
            {"length": 4},
            "options of operator 'pseudonym': length: Input should be greater than or equal to 8",
        ),
    ],
)
def test_when_options_are_invalid_then_building_is_refused_with_each_problem(
    name: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(OperatorError, match=exactly(message)):
        build_operator(name, options)
