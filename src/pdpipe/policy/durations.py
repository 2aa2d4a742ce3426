"""ISO-8601 durations with years and months (``P3Y``, ``P1Y6M``, ``P90D``).

Python's timedelta has no years or months, and "three years after 29 February" must land
on 28 February or 1 March the way a calendar does, so a duration is kept as its parts and
applied with pandas' calendar-aware ``DateOffset``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

import pandas as pd
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

# Archives keep some records 75 years; P1000000Y would overflow every timestamp type.
MAX_YEARS = 100
_YEAR_DAYS = 365.2425
_ISO = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


@dataclass(frozen=True)
class IsoDuration:
    text: str
    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0

    @classmethod
    def parse(cls, text: str) -> IsoDuration:
        match = _ISO.match(text.strip().upper())
        if match is None:
            raise ValueError(
                f"{_short(text)!r} is not an ISO-8601 duration: write e.g. P3Y, P1Y6M, P90D or "
                "PT12H"
            )
        too_long = ValueError(
            f"{_short(text)!r} is longer than {MAX_YEARS} years: no data is kept that long, and "
            "a date that far ahead is beyond what the stores' timestamps hold"
        )
        if any(value and len(value) > 9 for value in match.groupdict().values()):
            raise too_long  # before int() meets a number of thousands of digits
        parts = {name: int(value) for name, value in match.groupdict().items() if value}
        duration = cls(text=text.strip().upper(), **parts)
        if duration.approximate_days() > MAX_YEARS * _YEAR_DAYS + 1e-9:
            raise too_long
        return duration

    def approximate_days(self) -> float:
        """The days the duration spans, a year and a month taken at their average length."""
        seconds = self.hours * 3600 + self.minutes * 60 + self.seconds
        years = self.years + self.months / 12
        return years * _YEAR_DAYS + self.weeks * 7 + self.days + seconds / 86400

    def offset(self) -> pd.DateOffset:
        return pd.DateOffset(
            years=self.years,
            months=self.months,
            weeks=self.weeks,
            days=self.days,
            hours=self.hours,
            minutes=self.minutes,
            seconds=self.seconds,
        )

    def __str__(self) -> str:
        return self.text


def _short(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:39]}…"


def _coerce(value: Any) -> Any:
    if isinstance(value, IsoDuration):
        return value
    if not isinstance(value, str):
        raise ValueError("expected an ISO-8601 duration string such as P3Y")
    return IsoDuration.parse(value)


Duration = Annotated[
    IsoDuration,
    BeforeValidator(_coerce),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": "^P", "description": "ISO-8601 duration, e.g. P3Y"}
    ),
]
