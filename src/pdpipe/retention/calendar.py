"""Production calendars and statutory deadlines, vectorized over arrays of dates.

A term starts on the day after the trigger (RU Civil Code art. 191). ``N days`` are
calendar days; ``N working days`` skip weekends and public holidays, and count the
Saturdays the government moved work to (``holidays``' ``weekend_workdays``). A term
whose last day is a day off ends on the next working day (art. 193).

The calendar is one boolean array over a span of days; the running count of working days
turns "the N-th working day after d" into a single ``searchsorted`` for a whole column.
"""

from __future__ import annotations

import datetime as dt

import holidays
import numpy as np
import numpy.typing as npt

from pdpipe.policy.terms import Term, TermUnit

Days = npt.NDArray[np.datetime64]

# Deadlines reach at most a few months past the trigger; a margin of years keeps every
# lookup inside the array even for the longest term a policy may set.
_MARGIN_DAYS = 3 * 366


class WorkCalendar:
    """Working days of one country (or weekends only) between two dates."""

    def __init__(self, country: str | None, first: dt.date, last: dt.date) -> None:
        self.country = country
        self.first = np.datetime64(first, "D")
        span = (np.datetime64(last, "D") - self.first).astype(int) + 1
        self.days: Days = self.first + np.arange(span)
        weekday = (self.days.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
        working = weekday < 5
        if country is not None:
            years = range(first.year, last.year + 1)
            calendar = holidays.country_holidays(country, years=years)
            off = np.array(sorted(calendar.keys()), dtype="datetime64[D]")
            working &= ~np.isin(self.days, off)
            moved: set[dt.date] = set(getattr(calendar, "weekend_workdays", ()))
            if moved:
                working |= np.isin(self.days, np.array(sorted(moved), dtype="datetime64[D]"))
        self.working = working
        # rank[i]: working days in days[0..i]; non-decreasing, so searchsorted finds
        # "the first day on which the count reaches k".
        self.rank = np.cumsum(working)

    def covers(self, first: np.datetime64, last: np.datetime64) -> bool:
        return bool(self.first <= first and last + _MARGIN_DAYS <= self.days[-1])

    def _index(self, dates: Days) -> npt.NDArray[np.int64]:
        return (dates - self.first).astype("int64")

    def next_working_day(self, dates: Days) -> Days:
        """Each date itself if it is a working day, else the next working day."""
        index = self._index(dates)
        before = np.where(index > 0, self.rank[np.maximum(index - 1, 0)], 0)
        return self.days[np.searchsorted(self.rank, before + 1, side="left")]

    def add_working_days(self, dates: Days, count: int) -> Days:
        """The `count`-th working day after each date (count 0: the date, rolled forward)."""
        if count == 0:
            return self.next_working_day(dates)
        target = self.rank[self._index(dates)] + count
        return self.days[np.searchsorted(self.rank, target, side="left")]

    def is_working_day(self, day: dt.date) -> bool:
        return bool(self.working[self._index(np.array([day], dtype="datetime64[D]"))[0]])


_CALENDARS: dict[str | None, WorkCalendar] = {}


def calendar_for(country: str | None, first: np.datetime64, last: np.datetime64) -> WorkCalendar:
    """A calendar covering [first, last] plus the margin, reused while it covers them.

    Chunks of a table span different years; rebuilding per span would ask `holidays` for
    the same years again and again.
    """
    cached = _CALENDARS.get(country)
    if cached is not None and cached.covers(first, last):
        return cached
    first_year = int(str(first)[:4]) - 1
    last_year = int(str(last + _MARGIN_DAYS)[:4]) + 1
    if cached is not None:  # grow to the union, so alternating spans do not thrash
        first_year = min(first_year, int(str(cached.first)[:4]))
        last_year = max(last_year, int(str(cached.days[-1])[:4]))
    calendar = WorkCalendar(country, dt.date(first_year, 1, 1), dt.date(last_year, 12, 31))
    _CALENDARS[country] = calendar
    return calendar


def deadlines(ended_on: Days, term: Term, country: str | None) -> Days:
    """The last day to act for each end date (NaT stays NaT)."""
    result: Days = np.full(ended_on.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    known = ~np.isnat(ended_on)
    if not known.any():
        return result
    dates = ended_on[known].astype("datetime64[D]")
    calendar = calendar_for(country, dates.min(), dates.max())
    if term.unit is TermUnit.WORKING_DAYS:
        result[known] = calendar.add_working_days(dates, term.amount)
        return result
    if term.unit is TermUnit.MONTHS:
        last = _add_months(dates, term.amount)
    else:
        last = (dates + np.timedelta64(term.amount, "D")).astype("datetime64[D]")
    result[known] = calendar.next_working_day(last) if term.roll_to_working_day else last
    return result


def _add_months(dates: Days, months: int) -> Days:
    """Same day `months` later; a day the month lacks becomes its last day (Jan 31 -> Feb 28)."""
    month_start = dates.astype("datetime64[M]")
    day_offset = dates - month_start.astype("datetime64[D]")
    target_month = month_start + np.timedelta64(months, "M")
    month_length = (target_month + 1).astype("datetime64[D]") - target_month.astype("datetime64[D]")
    offset = np.minimum(day_offset, month_length - np.timedelta64(1, "D"))
    result: Days = target_month.astype("datetime64[D]") + offset
    return result
