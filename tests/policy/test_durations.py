"""ISO-8601 durations with years and months, applied the way a calendar does."""

from __future__ import annotations

import pandas as pd
import pytest

from pdpipe.policy import IsoDuration


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("P3Y", {"years": 3}),
        ("P1Y6M", {"years": 1, "months": 6}),
        ("P90D", {"days": 90}),
        ("P2W", {"weeks": 2}),
        ("PT12H", {"hours": 12}),
        ("P1DT2H3M4S", {"days": 1, "hours": 2, "minutes": 3, "seconds": 4}),
        ("p3y", {"years": 3}),
        (" P3Y ", {"years": 3}),
    ],
)
def test_when_a_duration_is_read_then_its_parts_are_kept(text: str, parts: dict[str, int]) -> None:
    duration = IsoDuration.parse(text)

    assert duration == IsoDuration(text=text.strip().upper(), **parts)
    assert str(duration) == text.strip().upper()


@pytest.mark.parametrize("text", ["P100Y", "P1200M", "P36524D", "P99Y11M4W"])
def test_when_a_duration_is_up_to_a_hundred_years_then_it_is_read(text: str) -> None:
    assert str(IsoDuration.parse(text)) == text


@pytest.mark.parametrize(
    "text", ["P101Y", "P1000000Y", "P1201M", "P36525D", "P5300W", "PT900000H", "P9999999999D"]
)
def test_when_a_duration_is_longer_than_a_hundred_years_then_it_is_refused(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        IsoDuration.parse(text)

    assert str(caught.value) == (
        f"{text!r} is longer than 100 years: no data is kept that long, and a date that far "
        "ahead is beyond what the stores' timestamps hold"
    )


def test_when_a_duration_has_thousands_of_digits_then_it_is_refused_quoting_its_start() -> None:
    with pytest.raises(ValueError) as caught:
        IsoDuration.parse(f"P{'9' * 5000}D")

    assert str(caught.value).startswith(f"'P{'9' * 38}…' is longer than 100 years")


@pytest.mark.parametrize("text", ["", "P", "PT", "3Y", "P1.5Y", "P3Y2", "P1H", "five years"])
def test_when_a_duration_is_not_iso_8601_then_the_message_shows_examples(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        IsoDuration.parse(text)

    assert str(caught.value) == (
        f"{text!r} is not an ISO-8601 duration: write e.g. P3Y, P1Y6M, P90D or PT12H"
    )


@pytest.mark.parametrize(
    ("start", "text", "end"),
    [
        ("2024-02-29", "P1Y", "2025-02-28"),
        ("2024-01-31", "P1M", "2024-02-29"),
        ("2020-03-15", "P5Y", "2025-03-15"),
        ("2024-12-30", "P2D", "2025-01-01"),
        ("2024-01-01 22:00", "PT3H", "2024-01-02 01:00"),
    ],
)
def test_when_a_duration_is_added_to_a_date_then_the_calendar_decides(
    start: str, text: str, end: str
) -> None:
    assert pd.Timestamp(start) + IsoDuration.parse(text).offset() == pd.Timestamp(end)
