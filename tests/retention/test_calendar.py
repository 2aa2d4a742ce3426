"""Statutory deadlines on real production calendars (holidays package)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from pdpipe.policy.terms import Term, TermUnit
from pdpipe.retention.calendar import WorkCalendar, deadlines


def _deadline(ended_on: str, term: Term, country: str | None = "RU") -> str:
    result = deadlines(np.array([ended_on], dtype="datetime64[D]"), term, country)
    return str(result[0])


DAYS_30 = Term(amount=30, unit=TermUnit.DAYS)
WORKING_10 = Term(amount=10, unit=TermUnit.WORKING_DAYS)
WORKING_7 = Term(amount=7, unit=TermUnit.WORKING_DAYS)


@pytest.mark.parametrize(
    ("ended_on", "term", "expected", "why"),
    [
        ("2026-11-02", DAYS_30, "2026-12-02", "30 days from the next day, a Wednesday"),
        ("2026-10-01", DAYS_30, "2026-11-02", "Oct 31 is a Saturday: moves to Monday"),
        ("2026-10-05", DAYS_30, "2026-11-05", "Nov 4 (Unity Day) is not the last day"),
        ("2026-10-05", Term(amount=30), "2026-11-05", "the default unit is days"),
        ("2026-10-04", DAYS_30, "2026-11-03", "Nov 3 is a working day: no move"),
        ("2026-12-01", DAYS_30, "2027-01-11", "Dec 31 2026 is a moved day off; New Year to Jan 8"),
        ("2026-11-25", WORKING_10, "2026-12-09", "ten working days, two weekends"),
        ("2026-12-25", WORKING_10, "2027-01-19", "a term straddling the New Year holidays"),
        ("2026-02-19", WORKING_7, "2026-03-03", "Feb 23 (Defender's Day) is skipped"),
        ("2027-02-19", WORKING_10, "2027-03-09", "Sat Feb 20 2027 is a moved working day"),
        ("2026-01-30", Term(amount=1, unit=TermUnit.MONTHS), "2026-03-02", "Feb 28 is a Sat"),
    ],
)
def test_when_term_counts_on_ru_calendar_then_deadline_is_statutory(
    ended_on: str, term: Term, expected: str, why: str
) -> None:
    assert _deadline(ended_on, term) == expected, why


def test_when_no_roll_to_working_day_then_last_day_may_be_a_day_off() -> None:
    term = Term(amount=30, unit=TermUnit.DAYS, roll_to_working_day=False)
    assert _deadline("2026-10-01", term) == "2026-10-31"


def test_when_kazakhstan_then_its_own_holidays_apply() -> None:
    # Dec 16 is Independence Day in Kazakhstan, a working day in Russia.
    one_day = Term(amount=1, unit=TermUnit.WORKING_DAYS)
    assert _deadline("2026-12-15", one_day, "KZ") == "2026-12-17"
    assert _deadline("2026-12-15", one_day, "RU") == "2026-12-16"


def test_when_no_country_then_only_weekends_are_days_off() -> None:
    assert _deadline("2026-12-30", Term(amount=2, unit=TermUnit.WORKING_DAYS), None) == (
        "2027-01-01"
    )


def test_when_end_date_unknown_then_deadline_unknown() -> None:
    dates = np.array(["2026-11-02", "NaT"], dtype="datetime64[D]")
    result = deadlines(dates, DAYS_30, "RU")
    assert str(result[0]) == "2026-12-02"
    assert np.isnat(result[1])


def test_when_many_dates_then_each_gets_its_own_deadline() -> None:
    dates = np.arange("2020-01-01", "2027-01-01", dtype="datetime64[D]")
    result = deadlines(dates, WORKING_10, "RU")
    calendar = WorkCalendar("RU", dt.date(2019, 1, 1), dt.date(2028, 12, 31))
    for index in (0, 500, 1000, len(dates) - 1):
        day = dates[index].astype(dt.date)
        count, cursor = 0, day
        while count < 10:
            cursor += dt.timedelta(days=1)
            count += calendar.is_working_day(cursor)
        assert result[index].astype(dt.date) == cursor


def test_when_working_saturday_then_calendar_says_so() -> None:
    calendar = WorkCalendar("RU", dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert calendar.is_working_day(dt.date(2027, 2, 20))  # moved from Monday Feb 22
    assert not calendar.is_working_day(dt.date(2027, 2, 22))
    assert not calendar.is_working_day(dt.date(2027, 2, 27))  # an ordinary Saturday


# Russia's production calendar for 2027, written out so that an upgrade of `holidays` that
# changes it fails here rather than moving deadlines silently. Public holidays (Labour
# Code art. 112) and the days the Government moved: Sat Jan 2 to Fri Nov 5, Sun Jan 3 to
# Fri Dec 31, Sat Feb 20 to Mon Feb 22; holidays on a weekend move to the next Monday
# (May 1, May 9, Jun 12). As holidays 0.109 cites it (consultant.ru, document 544706);
# checked against the decree's text: UNVERIFIED.
RU_2027_WEEKDAYS_OFF = [
    "2027-01-01", "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08",
    "2027-02-22", "2027-02-23",
    "2027-03-08",
    "2027-05-03", "2027-05-10",
    "2027-06-14",
    "2027-11-04", "2027-11-05",
    "2027-12-31",
]  # fmt: skip
RU_2027_WORKING_WEEKENDS = ["2027-02-20"]


def test_the_russian_production_calendar_of_2027_is_pinned_day_by_day() -> None:
    """Request deadlines in working days (152-FZ art. 14, 20, 21) count on this calendar."""
    calendar = WorkCalendar("RU", dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    off = {dt.date.fromisoformat(d) for d in RU_2027_WEEKDAYS_OFF}
    moved = {dt.date.fromisoformat(d) for d in RU_2027_WORKING_WEEKENDS}
    days = [dt.date(2027, 1, 1) + dt.timedelta(days=n) for n in range(365)]

    said = {day: calendar.is_working_day(day) for day in days}
    expected = {day: (day.weekday() < 5 and day not in off) or day in moved for day in days}

    assert [d.isoformat() for d in days if said[d] != expected[d]] == []
