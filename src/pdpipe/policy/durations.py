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
                f"{text!r} is not an ISO-8601 duration: write e.g. P3Y, P1Y6M, P90D or PT12H"
            )
        parts = {name: int(value) for name, value in match.groupdict().items() if value}
        return cls(text=text.strip().upper(), **parts)

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
