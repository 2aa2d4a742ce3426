"""A huge value costs no more than its first MAX_CHARS characters.

Compared with the cost of those characters alone, in the same process, each the best of a
few tries: a loaded machine slows both alike, so the bound holds whatever else runs.
"""

import time
from collections.abc import Callable

import pandas as pd
import pytest

from pdpipe.detectors import DETECTORS, MAX_CHARS, embeds_pd, find_spans

HUGE = ("Иванов Иван +7 912 345-67-89 a.b@mail.ru 4512 345678 1234567890 " * 20_000)[:1_000_000]
START = HUGE[:MAX_CHARS]
SLACK = 0.02  # seconds: a timer tick or a collection, not a megabyte's worth of work


def best_of(work: Callable[[], object], tries: int = 3) -> float:
    timings = []
    for _ in range(tries):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def costs_as_its_start(huge: Callable[[], object], start: Callable[[], object]) -> bool:
    return best_of(huge) < 3 * best_of(start) + SLACK


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_when_a_value_is_a_megabyte_then_a_detector_reads_only_its_start(name: str) -> None:
    detector = DETECTORS[name]
    assert costs_as_its_start(
        lambda: detector.matches(pd.Series([HUGE]), named=True),
        lambda: detector.matches(pd.Series([START]), named=True),
    )


def test_when_free_text_is_a_megabyte_then_only_its_start_is_read() -> None:
    find_spans("x")  # load the dictionaries first: their one-off cost is not the bound
    assert find_spans(HUGE) == find_spans(START)
    assert costs_as_its_start(lambda: find_spans(HUGE), lambda: find_spans(START))
    assert embeds_pd(pd.Series([HUGE])).tolist() == [True]
    assert costs_as_its_start(
        lambda: embeds_pd(pd.Series([HUGE])), lambda: embeds_pd(pd.Series([START]))
    )
