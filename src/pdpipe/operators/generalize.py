"""``generalize``: change of meaning (a date to its month or year, a birth date to an age
band)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal, TypeVar

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from pdpipe.operators._values import TEXT_KINDS, check_fits, map_present, object_series, present
from pdpipe.operators.base import Method, Operator, OperatorContext, OperatorError
from pdpipe.operators.options import OperatorOptions
from pdpipe.operators.registry import register

D = TypeVar("D", bound=date)
_CLOCK = re.compile(r"[T ](\d{2})(:?\d{2})?(:?\d{2})?")


class GeneralizeOptions(OperatorOptions):
    """Change of meaning: a timestamp to its month or year, a birth date to an age band."""

    to: Literal["month", "year", "age_band"] = "year"
    band_years: int = Field(default=10, ge=1, le=50)
    reference_date: date | None = Field(
        default=None,
        description="to: age_band only: the fixed day ages are counted on (YYYY-MM-DD)",
    )

    @model_validator(mode="after")
    def _reference_date_with_age_band(self) -> GeneralizeOptions:
        if self.to == "age_band" and self.reference_date is None:
            raise ValueError(
                "to: age_band needs reference_date (e.g. reference_date: 2025-01-01): ages "
                "are counted on that fixed day so a replayed batch writes the same bands"
            )
        if self.to != "age_band":
            for option in ("reference_date", "band_years"):
                if option in self.model_fields_set:
                    raise ValueError(f"{option} applies only to to: age_band, not to: {self.to}")
        return self


@register
class Generalize(Operator[GeneralizeOptions]):
    """``to: month`` / ``to: year``: each date or timestamp becomes the first instant of
    its month or year, in the same kind: a date stays a date, a timestamp stays a
    timestamp in its own time zone, ISO 8601 text stays text of the same shape
    (``1985-07-14`` is ``1985-07-01``; ``2024-03-05T10:22Z`` is ``2024-03-01T00:00Z``).

    ``to: age_band``: a birth date (a date, timestamp or ISO text) becomes a text band
    ``band_years`` wide, ``30-39``, from the age on ``reference_date``. The reference is
    a fixed day from the policy, never "today": a batch replayed after midnight, or the
    next batch of the same run, must write the same band for the same birth date.
    ``pdpipe check`` refuses age_band without reference_date (and reference_date or
    band_years without age_band). A birth date after the reference day falls in the first
    band. Bands are text, so age_band is refused on a date or datetime column.
    """

    name = "generalize"
    method = Method.COMPOSITION
    options_model = GeneralizeOptions
    kinds = frozenset({"date", "datetime", "text", "json_value"})

    def apply(self, values: pd.Series, context: OperatorContext) -> pd.Series:
        self.check(context)
        if self.options.to == "age_band":
            return self._age_bands(values, context)
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            return self._floor_timestamps(values)
        label = context.column.label

        def one(value: object) -> object:
            if isinstance(value, datetime):
                return self._floor(value)
            if isinstance(value, date):
                return self._floor(value)
            if isinstance(value, str):
                return self._floor_text(value, label)
            raise _not_a_date(label, value)

        result = map_present(values, one)
        check_fits(result, context, self.name)
        return result

    def _floor(self, value: D) -> D:
        month = value.month if self.options.to == "month" else 1
        if isinstance(value, pd.Timestamp):
            return value.replace(  # type: ignore[return-value]
                month=month, day=1, hour=0, minute=0, second=0, microsecond=0, nanosecond=0
            )
        if isinstance(value, datetime):
            return value.replace(month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
        return value.replace(month=month, day=1)

    def _floor_text(self, text: str, label: str) -> str:
        stripped = text.strip()
        try:
            parsed = datetime.fromisoformat(stripped)
        except ValueError:
            raise _not_a_date(label, text) from None
        floored = self._floor(parsed)
        clock = _CLOCK.search(stripped)
        if clock is None:
            return floored.date().isoformat()
        timespec = "hours" if not clock[2] else "minutes" if not clock[3] else "seconds"
        result = floored.isoformat(sep=stripped[clock.start()], timespec=timespec)
        if stripped[-1:] in ("Z", "z") and result.endswith("+00:00"):
            result = result[: -len("+00:00")] + stripped[-1]
        return result

    def _floor_timestamps(self, values: pd.Series) -> pd.Series:
        tz = values.dt.tz
        naive = values.dt.tz_localize(None) if tz is not None else values
        days_back = naive.dt.day - 1 if self.options.to == "month" else naive.dt.day_of_year - 1
        floored = naive.dt.normalize() - pd.to_timedelta(days_back, unit="D")
        if tz is not None:
            floored = floored.dt.tz_localize(
                tz, ambiguous=np.ones(len(floored), dtype=bool), nonexistent="shift_forward"
            )
        result: pd.Series = floored.astype(values.dtype)
        return result

    def _age_bands(self, values: pd.Series, context: OperatorContext) -> pd.Series:
        column = context.column
        if column.kind not in TEXT_KINDS:
            raise OperatorError(
                f"{column.label}: operator 'generalize' with to: age_band writes text bands "
                f"such as 30-39, which {column.kind} columns cannot hold: use to: year"
            )
        reference = self.options.reference_date
        assert reference is not None  # the options model requires it for age_band
        where = present(values)
        years, months, days = _birth_dates(values[where], column.label)
        born_later_in_year = (months > reference.month) | (
            (months == reference.month) & (days > reference.day)
        )
        ages = np.maximum(reference.year - years - born_later_in_year, 0)
        width = self.options.band_years
        starts = ages // width * width
        bands = {start: _band(start, width) for start in set(starts.tolist())}
        result = object_series(values, [bands[start] for start in starts.tolist()], where)
        check_fits(bands.values(), context, self.name)
        return result


def _band(start: int, width: int) -> str:
    return str(start) if width == 1 else f"{start}-{start + width - 1}"


def _birth_dates(
    values: pd.Series, label: str
) -> tuple[np.ndarray[tuple[int], np.dtype[np.int64]], ...]:
    """Year, month and day of each (non-NULL) birth date, as three integer arrays."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return tuple(
            part.to_numpy(dtype=np.int64)
            for part in (values.dt.year, values.dt.month, values.dt.day)
        )
    triples = [_ymd(value, label) for value in values.to_numpy(dtype=object)]
    if not triples:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    array = np.array(triples, dtype=np.int64)
    return array[:, 0], array[:, 1], array[:, 2]


def _ymd(value: object, label: str) -> tuple[int, int, int]:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise _not_a_date(label, value) from None
    if isinstance(value, date):  # a datetime is a date too
        return value.year, value.month, value.day
    raise _not_a_date(label, value)


def _not_a_date(label: str, value: object) -> OperatorError:
    what = (
        "text that is not an ISO 8601 date"
        if isinstance(value, str)
        else (f"a value of type {type(value).__name__}, which is not a date")
    )
    return OperatorError(
        f"{label}: operator 'generalize' found {what}: it takes dates, timestamps and "
        "ISO 8601 text (YYYY-MM-DD)"
    )
