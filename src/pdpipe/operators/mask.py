"""``mask``: change of composition (a few characters kept, the rest replaced)."""

from __future__ import annotations

from numbers import Real

import pandas as pd
from pydantic import Field, model_validator

from pdpipe.operators._values import TEXT_KINDS, map_present
from pdpipe.operators.base import Method, Operator, OperatorContext, OperatorError
from pdpipe.operators.options import OperatorOptions
from pdpipe.operators.registry import register

SEPARATORS = frozenset(" +-().@")


class MaskOptions(OperatorOptions):
    """Keep a few characters, replace the rest (``+7 *** *** ** 67``)."""

    keep_first: int = Field(default=0, ge=0)
    keep_last: int = Field(default=0, ge=0)
    char: str = Field(default="*", min_length=1, max_length=1)
    keep_separators: bool = True

    @model_validator(mode="after")
    def _keeps_something_hidden(self) -> MaskOptions:
        if self.keep_first + self.keep_last > 4:
            raise ValueError("keep_first + keep_last may be at most 4: a mask must hide the value")
        return self


def masked(text: str, options: MaskOptions) -> str:
    """``text`` with every hidden character replaced by ``options.char``; same length."""
    chars = list(text)
    hideable = [i for i, c in enumerate(chars) if not (options.keep_separators and c in SEPARATORS)]
    budget = len(hideable) // 2
    last = min(options.keep_last, budget)
    first = min(options.keep_first, budget - last)
    for i in hideable[first : len(hideable) - last]:
        chars[i] = options.char
    return "".join(chars)


@register
class Mask(Operator[MaskOptions]):
    """Keeps ``keep_first`` and ``keep_last`` characters and replaces the others with
    ``char``; the length is kept.

    With ``keep_separators`` the characters space, ``+``, ``-``, ``(``, ``)``, ``.`` and
    ``@`` stay where they are and are not counted: ``+7 916 123-45-67`` with keep_last 2
    is ``+* *** ***-**-67``. ``+`` is a separator wherever it appears: it only says a
    number is written in international form (or marks an email sub-address) and
    identifies no one; the country code after it is hidden like any other digit.
    Without ``keep_separators`` every character counts and is hidden alike.

    However the options read, at most half of a value's counted characters stay visible
    (``keep_last`` is honoured before ``keep_first``): ``ab`` with keep_last 2 is ``*b``,
    and a one-character value is hidden entirely.

    A key inside a JSON column may hold text or a number; a number is masked as its text
    (and written as text). A JSON object, list or boolean is refused.
    """

    name = "mask"
    method = Method.COMPOSITION
    options_model = MaskOptions
    kinds = TEXT_KINDS

    def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
        self.check(context)
        options = self.options
        label = context.column.label

        def one(value: object) -> str:
            if isinstance(value, str):
                return masked(value, options)
            if isinstance(value, Real) and not isinstance(value, bool):
                return masked(str(value), options)
            raise OperatorError(
                f"{label}: operator 'mask' found a value of type {type(value).__name__}, which it "
                "cannot mask: use redact or drop_key"
            )

        return map_present(values, one)
