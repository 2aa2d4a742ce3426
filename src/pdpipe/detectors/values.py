"""Sampled values as detectors want them: text, stripped, each distinct value once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_CHARS = 10_000
"""Only the first MAX_CHARS characters of a value are looked at: a 1 MB value costs no
more than a 10 kB one, so a scan's time is bounded by its sample size."""


def as_text(value: object) -> str:
    """A sampled value as text: integers stored as floats lose their ".0" (an INN or a
    phone in a numeric column), bytes are decoded, None and NaN become ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value[:MAX_CHARS]
    if isinstance(value, bool):
        return ""  # a flag is never PD
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e19 else str(value)
    if isinstance(value, bytes):
        return value[:MAX_CHARS].decode("utf-8", errors="replace")
    return str(value)[:MAX_CHARS]


def texts_of(values: pd.Series) -> pd.Series:
    """Every value as stripped text ("" for None/NaN), capped at MAX_CHARS."""
    if pd.api.types.is_string_dtype(values.dtype) and not values.isna().any():
        text = values.astype(str).str.slice(0, MAX_CHARS)
    else:
        text = values.astype(object).map(as_text)
    return text.str.strip()


@dataclass(frozen=True)
class Texts:
    """A column's values as detectors read them, each distinct text once: made once per
    column and shared by every detector that looks at it."""

    unique: pd.Series  # the distinct non-empty texts
    lengths: np.ndarray  # of each
    codes: np.ndarray  # per value, the index of its text in `unique` (-1: none)
    index: pd.Index  # of the values

    @classmethod
    def of(cls, values: pd.Series) -> Texts:
        text = texts_of(values)
        codes, uniques = pd.factorize(text.where(text.str.len() > 0))
        unique = pd.Series(uniques, dtype=object)
        lengths = unique.str.len().to_numpy(dtype=np.int64) if len(unique) else np.zeros(0, int)
        return cls(unique, lengths, np.asarray(codes), values.index)

    def within(self, max_length: int) -> tuple[pd.Series, np.ndarray]:
        """The distinct texts of at most ``max_length`` characters, and each value's index
        among them (-1: not one of them)."""
        keep = self.lengths <= max_length
        if keep.all():
            return self.unique, self.codes
        position = np.append(np.where(keep, np.cumsum(keep) - 1, -1), -1)  # -1 picks -1
        return self.unique[keep].reset_index(drop=True), position[self.codes]


def distinct_texts(values: pd.Series, max_length: int) -> tuple[pd.Series, np.ndarray]:
    """The distinct candidate texts (non-empty, at most ``max_length`` characters) and,
    for each value, the index of its text among them (-1: not a candidate)."""
    return Texts.of(values).within(max_length)


def spread(found: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Per-distinct-text answers back onto every value (False where no candidate)."""
    table = np.append(np.asarray(found, dtype=bool), False)  # -1 picks the last: False
    return pd.Series(table[codes], index=index, dtype=bool)
