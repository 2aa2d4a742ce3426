"""A huge value costs no more than its first MAX_CHARS characters."""

import time

import pandas as pd
import pytest

from pdpipe.detectors import DETECTORS, MAX_CHARS, embeds_pd, find_spans

HUGE = ("Иванов Иван +7 912 345-67-89 a.b@mail.ru 4512 345678 1234567890 " * 20_000)[:1_000_000]


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_when_a_value_is_a_megabyte_then_a_detector_takes_under_100_ms(name: str) -> None:
    started = time.perf_counter()
    DETECTORS[name].matches(pd.Series([HUGE]), named=True)
    assert time.perf_counter() - started < 0.1


def test_when_free_text_is_a_megabyte_then_only_its_start_is_read_within_bounds() -> None:
    find_spans("x")  # load the dictionaries first: their one-off cost is not the bound
    started = time.perf_counter()
    spans = find_spans(HUGE)  # ~150 names, phones and e-mails: every word looked up once
    assert time.perf_counter() - started < 0.3
    assert spans == find_spans(HUGE[:MAX_CHARS])
    started = time.perf_counter()
    assert embeds_pd(pd.Series([HUGE])).tolist() == [True]
    assert time.perf_counter() - started < 0.1  # words seen before cost a cache look-up
