"""A chunk of rows for one table, column-wise, as the generators hand it to a loader."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy.typing as npt

from pdpipe.demo.vector import Bools


@dataclass(frozen=True)
class Batch:
    """Rows of `table`: one array per column, all the same length.

    Timestamps are `datetime64[s]` arrays (naive UTC). A column listed in `nulls` is NULL
    where its mask is True, whatever the array holds there.
    """

    table: str
    columns: dict[str, npt.NDArray[Any]]
    nulls: dict[str, Bools] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))
