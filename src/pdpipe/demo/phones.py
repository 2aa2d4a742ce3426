"""+7 mobile numbers (Russia and Kazakhstan share the country code), written several ways.

A number is kept as (operator code index, 7-digit subscriber number) until it is rendered,
so the same person's phone can be written differently in each store.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from pdpipe.demo.vector import Bools, Ints, Strings, cat, choose, fill, strings, zero_padded

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

# "+7 916 123-45-67", "+79161234567", "+7 (916) 123-45-67", "+7 916 123 45 67",
# "+7-916-123-45-67": the ways people actually type numbers into forms.
STYLE_WEIGHTS = (0.35, 0.25, 0.2, 0.1, 0.1)
SPACED = 3


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
    """Phone text for each (code index, subscriber number, style)."""
    three, two = _pads()
    code = CODES[codes]
    a, b, c = three[numbers // 10_000], two[(numbers // 100) % 100], two[numbers % 100]
    out = fill(len(codes))
    forms = (
        lambda m: cat("+7 ", code[m], " ", a[m], "-", b[m], "-", c[m]),
        lambda m: cat("+7", code[m], a[m], b[m], c[m]),
        lambda m: cat("+7 (", code[m], ") ", a[m], "-", b[m], "-", c[m]),
        lambda m: cat("+7 ", code[m], " ", a[m], " ", b[m], " ", c[m]),
        lambda m: cat("+7-", code[m], "-", a[m], "-", b[m], "-", c[m]),
    )
    for style, form in enumerate(forms):
        mask = styles == style
        if mask.any():
            out[mask] = form(mask)
    return out
