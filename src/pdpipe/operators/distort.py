"""``distort``: bounded noise on numbers and dates, keyed so a replay writes the same."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from numbers import Real

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import Field

from pdpipe.operators._values import keyed_fractions, normalized, object_series, present
from pdpipe.operators.base import Method, Operator, OperatorContext, OperatorError
from pdpipe.operators.options import OperatorOptions
from pdpipe.operators.registry import register

_PURPOSE = b"pdpipe.distort\x00"
_TWO_TO_64 = float(2**64)


class DistortOptions(OperatorOptions):
    """Bounded noise: numbers by up to ``max_relative``, dates by up to ``max_days``."""

    max_relative: float = Field(default=0.1, gt=0, le=1)
    max_days: int = Field(default=30, ge=1, le=3650)


@register
class Distort(Operator[DistortOptions]):
    """Numbers become ``value * (1 + u)``, ``u`` in ``[-max_relative, max_relative]``;
    dates and timestamps move by a whole number of days in ``[-max_days, max_days]``,
    never 0, so every date changes (a timestamp moves by whole 24-hour days).

    The noise comes from HMAC(pseudonym key, the value), so the same value gets the same
    noise in every batch and a replay writes exactly the same. Integer columns are rounded;
    an integer always changes when the bound allows a change of at least 1 (``0`` stays
    ``0``: the noise is relative). In a JSON key, numbers are distorted and anything else
    is refused; text columns are refused (use mask, generalize or fake).
    """

    name = "distort"
    method = Method.DISTORTION
    options_model = DistortOptions
    needs_secret = True
    kinds = frozenset({"integer", "float", "date", "datetime", "json_value"})

    def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
        self.check(context)
        where = present(values)
        keys = keyed_fractions(
            context.secret, (normalized(v) for v in values[where].to_numpy(dtype=object)), _PURPOSE
        )
        if context.column.kind in ("date", "datetime"):
            return self._shift(values, where, keys, context)
        return self._scale(values, where, keys, context)

    def _scale(
        self,
        values: pd.Series,
        where: npt.NDArray[np.bool_],
        keys: npt.NDArray[np.uint64],
        context: OperatorContext,
    ) -> pd.Series:
        bound = self.options.max_relative
        factors = 1 + (2 * (keys / _TWO_TO_64) - 1) * bound
        integer = context.column.kind == "integer"
        dtype = values.dtype
        if context.column.kind != "json_value" and pd.api.types.is_numeric_dtype(dtype):
            if pd.api.types.is_bool_dtype(dtype):
                raise _refused(context, "boolean")
            numbers = values[where].to_numpy(dtype=np.float64)
            result = _noisy(
                numbers, factors, bound, integer or pd.api.types.is_integer_dtype(dtype)
            )
            out = values.copy()
            if isinstance(dtype, np.dtype) and dtype.kind in "iu":
                info = np.iinfo(dtype.str)
                result = np.clip(result, float(info.min), float(info.max))
            out[where] = result.astype(dtype) if isinstance(dtype, np.dtype) else result
            return out
        raw = values[where].to_numpy(dtype=object)
        results: list[object] = []
        for value, factor in zip(raw, factors.tolist(), strict=True):
            if isinstance(value, bool) or not isinstance(value, Real | Decimal):
                raise _refused(context, type(value).__name__)
            is_int = isinstance(value, int | np.integer) or (integer and float(value).is_integer())
            noisy = float(_noisy(np.array([float(value)]), np.array([factor]), bound, is_int)[0])
            if isinstance(value, Decimal):
                results.append(Decimal(repr(noisy)).quantize(value) if value.is_finite() else value)
            else:
                results.append(int(noisy) if is_int else noisy)
        return object_series(values, results, where)

    def _shift(
        self,
        values: pd.Series,
        where: npt.NDArray[np.bool_],
        keys: npt.NDArray[np.uint64],
        context: OperatorContext,
    ) -> pd.Series:
        span = self.options.max_days
        picks = (keys % np.uint64(2 * span)).astype(np.int64)
        days = np.where(picks < span, picks - span, picks - span + 1)  # never 0
        try:
            if pd.api.types.is_datetime64_any_dtype(values.dtype):
                all_days = np.zeros(len(values), dtype=np.int64)
                all_days[where] = days
                shifted = values + pd.to_timedelta(all_days, unit="D")
                return shifted.set_axis(values.index)
            raw = values[where].to_numpy(dtype=object)
            results: list[object] = []
            for value, step in zip(raw, days.tolist(), strict=True):
                if not isinstance(value, date):
                    raise _refused(context, type(value).__name__)
                results.append(value + timedelta(days=step))
        except (OverflowError, pd.errors.OutOfBoundsDatetime):
            raise OperatorError(
                f"{context.column.label}: operator 'distort' moved a date out of the "
                "representable range: lower max_days"
            ) from None
        return object_series(values, results, where)


def _noisy(
    numbers: npt.NDArray[np.float64],
    factors: npt.NDArray[np.float64],
    bound: float,
    integer: bool,
) -> npt.NDArray[np.float64]:
    result = numbers * factors
    if not integer:
        return result
    result = np.rint(result)
    movable = (result == numbers) & (np.abs(numbers) * bound >= 1)
    return np.where(movable, numbers + np.where(factors < 1, -1.0, 1.0), result)


def _refused(context: OperatorContext, what: str) -> OperatorError:
    return OperatorError(
        f"{context.column.label}: operator 'distort' found a value of type {what}, which it cannot "
        "distort: it takes numbers, dates and timestamps (use mask, generalize or fake on text)"
    )
