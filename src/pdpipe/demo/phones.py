"""+7 mobile numbers (Russia and Kazakhstan share the country code), written several ways.

A number is kept as (operator code index, 7-digit subscriber number) until it is rendered,
so the same person's phone can be written differently in each store.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from pdpipe.demo.vector import Bools, Ints, Strings, cat, choose, strings, zero_padded

_RUSSIAN_CODES = [
    *range(901, 907),
    *range(909, 940),
    *range(950, 954),
    *range(960, 970),
    977,
    978,
    *range(980, 990),
    *range(991, 1000),
]
_KAZAKH_CODES = [700, 701, 702, 705, 707, 708, 747, 771, 775, 776, 777, 778]

CODES: Strings = strings([str(c) for c in [*_RUSSIAN_CODES, *_KAZAKH_CODES]])
_FIRST_KAZAKH = len(_RUSSIAN_CODES)

# The ways people type numbers into forms, as the text before the code, after it, and
# between the 3-2-2 digit groups: "+7 916 123-45-67", "+79161234567", "+7 (916) 123-45-67",
# "+7 916 123 45 67", "+7-916-123-45-67".
STYLES: tuple[tuple[str, str, str, str], ...] = (
    ("+7 ", " ", "-", "-"),
    ("+7", "", "", ""),
    ("+7 (", ") ", "-", "-"),
    ("+7 ", " ", " ", " "),
    ("+7-", "-", "-", "-"),
)
STYLE_WEIGHTS = (0.35, 0.25, 0.2, 0.1, 0.1)


@cache
def _pads() -> tuple[Strings, Strings]:
    return zero_padded(3), zero_padded(2)


def draw_codes(rng: np.random.Generator, kazakh: Bools) -> Ints:
    """Operator code indices into CODES: Kazakh mobile codes where `kazakh`, else Russian."""
    n = len(kazakh)
    russian = rng.integers(0, _FIRST_KAZAKH, size=n)
    local = rng.integers(_FIRST_KAZAKH, len(CODES), size=n)
    return np.where(kazakh, local, russian).astype(np.int64)


def draw_subscriber_numbers(rng: np.random.Generator, n: int) -> Ints:
    return rng.integers(1_000_000, 10_000_000, size=n, dtype=np.int64)


def draw_styles(rng: np.random.Generator, n: int) -> Ints:
    return choose(rng, n, STYLE_WEIGHTS)


def render(codes: Ints, numbers: Ints, styles: Ints) -> Strings:
    """Phone text for each (code index, subscriber number, index into STYLES)."""
    three, two = _pads()
    sep = [strings([style[k] for style in STYLES])[styles] for k in range(4)]
    return cat(
        sep[0],
        CODES[codes],
        sep[1],
        three[numbers // 10_000],
        sep[2],
        two[(numbers // 100) % 100],
        sep[3],
        two[numbers % 100],
    )
