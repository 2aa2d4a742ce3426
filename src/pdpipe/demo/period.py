"""The stretch of time the demo's history covers: about six years up to `as_of`.

Times are int64 seconds since the epoch, naive UTC; nothing reads the wall clock, so a
given `as_of` always gives the same history.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np

from pdpipe.demo.vector import DAY, HOUR, YEAR, Floats, Ints, between

YEARS = 6
RECENT = 30 * DAY  # the statutory 30 days: ends inside it are not overdue yet


@dataclass(frozen=True)
class Period:
    start: int
    end: int  # midnight UTC starting `as_of`; every generated time is before it

    @classmethod
    def before(cls, as_of: datetime.date, years: int = YEARS) -> Period:
        midnight = datetime.datetime.combine(as_of, datetime.time(), tzinfo=datetime.UTC)
        end = int(midnight.timestamp())
        return cls(start=end - years * YEAR, end=end)

    def at(self, share: Floats) -> Ints:
        """Times at `share` (0..1) of the way through the period, leaving the last day free."""
        return self.start + (share * (self.end - self.start - DAY)).astype(np.int64)

    def after(self, rng: np.random.Generator, since: Ints) -> Ints:
        """A time between each `since` and the end of the period."""
        return between(rng, since + 1, np.full(len(since), self.end - 1, dtype=np.int64))

    def ended(self, rng: np.random.Generator, since: Ints, recent_share: float) -> Ints:
        """When something that began at `since` ended.

        About `recent_share` end within the last 30 days (still inside the statutory
        deadline); the rest are spread over the years before that, so most are overdue.
        """
        n = len(since)
        last_day = np.full(n, self.end - HOUR, dtype=np.int64)
        recent_from = np.maximum(since + 1, self.end - RECENT)
        recent = between(rng, recent_from, last_day)
        older = between(rng, since + 1, np.full(n, self.end - RECENT, dtype=np.int64))
        pick_recent = (rng.random(n) < recent_share) | (since + 1 >= self.end - RECENT)
        return np.where(pick_recent, recent, older)
