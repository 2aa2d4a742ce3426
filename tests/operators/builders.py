"""Contexts, series and hypothesis strategies shared by the operator tests."""

from __future__ import annotations

import re
import string
from typing import Any

import pandas as pd
from hypothesis import strategies as st

from pdpipe.operators import ColumnInfo, OperatorContext

SECRET = b"test-pseudonym-key"
OTHER_SECRET = b"another-pseudonym-key"


def context(
    kind: str = "text",
    *,
    name: str = "email",
    table: str = "subscribers",
    max_length: int | None = None,
    nullable: bool = True,
    secret: bytes = SECRET,
) -> OperatorContext:
    return OperatorContext(ColumnInfo(table, name, kind, max_length, nullable), secret)


def series(*values: Any, index: list[Any] | None = None) -> pd.Series:
    """An object Series, as a reader gives text, JSON values and Python dates."""
    return pd.Series(list(values), index=index, dtype=object)


def _has_a_non_hex_character(text: str) -> bool:
    return any(c not in string.hexdigits for c in text)


# Values of 4 characters or more, each with a character no hex digest can contain (so
# "the output does not contain the input" is certain, not merely likely).
identifying = st.text(min_size=4, max_size=40).filter(
    lambda t: _has_a_non_hex_character(t) and bool(t.strip())
)

optional_identifying = st.one_of(st.none(), identifying)


@st.composite
def batches(draw: st.DrawFn, values: st.SearchStrategy[Any] = optional_identifying) -> pd.Series:
    """A batch of values on a shuffled, gappy integer index."""
    items = draw(st.lists(values, min_size=1, max_size=20))
    index = draw(
        st.lists(
            st.integers(min_value=0, max_value=10_000),
            min_size=len(items),
            max_size=len(items),
            unique=True,
        )
    )
    return series(*items, index=index)


def exactly(message: str) -> str:
    """A ``pytest.raises(match=...)`` pattern for exactly this message."""
    return f"^{re.escape(message)}$"


def timestamps(
    *texts: str | None, tz: str | None = None, index: list[Any] | None = None
) -> pd.Series:
    """A datetime64 Series (NaT for None), as a reader gives a timestamp column."""
    parsed = pd.to_datetime(pd.Series(list(texts), dtype=object, index=index), format="ISO8601")
    return parsed.dt.tz_localize(tz) if tz else parsed
