"""Vectorized building blocks shared by the generators.

Strings are numpy `StringDType` arrays: their ufuncs (`np.strings.add`, ...) run in C, so
composing a million names costs a fraction of a second. Times are int64 seconds since the
Unix epoch (UTC) until a batch is handed to a loader.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.dtypes import StringDType

# numpy's stubs do not follow StringDType through ufuncs, so string arrays are typed loosely.
Strings = npt.NDArray[Any]
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

STR = StringDType()
MINUTE = 60
HOUR = 3600
DAY = 86400
YEAR = 365 * DAY


class Ids:
    """Consecutive integer keys, carried on from one chunk to the next."""

    def __init__(self) -> None:
        self._next = 1

    def take(self, n: int) -> Ints:
        ids = self._next + np.arange(n, dtype=np.int64)
        self._next += n
        return ids


def strings(values: Sequence[str]) -> Strings:
    return np.array(list(values), dtype=STR)


def cat(*parts: Strings | str) -> Strings:
    """Element-wise concatenation of arrays and scalars, left to right."""
    arrays = [p for p in parts if not isinstance(p, str)]
    if not arrays:
        raise ValueError("cat() needs at least one array")
    out: Strings = np.full(len(arrays[0]), "", dtype=STR)
    for part in parts:
        out = np.strings.add(out, part)
    return out


def fill(n: int, value: str = "") -> Strings:
    return np.full(n, value, dtype=STR)


def choose(rng: np.random.Generator, n: int, weights: Sequence[float] | Floats) -> Ints:
    """`n` indices into `weights`, drawn with those (not necessarily normalised) weights."""
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int64)


def zero_padded(width: int) -> Strings:
    """Lookup table: `zero_padded(2)[7] == "07"`; index it with an int array."""
    return strings([f"{i:0{width}d}" for i in range(10**width)])


def numbers(values: Ints) -> Strings:
    """Decimal text of non-negative ints."""
    return np.asarray(values).astype(STR)


def segments(counts: Ints) -> tuple[Ints, Ints]:
    """For child rows expanded from per-parent `counts`: (parent index, position in parent)."""
    parent = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    position = np.arange(len(parent), dtype=np.int64) - np.repeat(starts, counts)
    return parent, position


def between(rng: np.random.Generator, low: Ints, high: Ints) -> Ints:
    """Uniform integer seconds in [low, high); where high <= low, low itself."""
    span: Ints = np.maximum(high - low, 0)
    drawn: Ints = np.floor(rng.random(len(low)) * span).astype(np.int64)
    return low + drawn


def offsets(rng: np.random.Generator, n: int, low: int, high: int) -> Ints:
    """Uniform integer seconds in [low, high)."""
    drawn: Ints = rng.integers(low, high, size=n, dtype=np.int64)
    return drawn


def uuid4(rng: np.random.Generator, n: int) -> Strings:
    """Random-version UUID strings, drawn from `rng` so they repeat with the seed."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = np.frombuffer(raw.tobytes().hex().encode("ascii"), dtype="S1").reshape(n, 32)
    dash = np.full((n, 1), b"-", dtype="S1")
    parts = (hexed[:, :8], dash, hexed[:, 8:12], dash, hexed[:, 12:16], dash)
    joined = np.hstack((*parts, hexed[:, 16:20], dash, hexed[:, 20:]))
    return np.ascontiguousarray(joined).view("S36").ravel().astype(STR)


def timestamps(seconds: Ints) -> npt.NDArray[np.datetime64]:
    return np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")
