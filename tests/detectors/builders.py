"""Helpers for the detector tests: run one detector over a few values."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pdpipe.detectors import detector


def matching(name: str, values: Sequence[object], *, named: bool = False) -> list[object]:
    """The values the detector ``name`` finds PD of its category."""
    series = pd.Series(list(values), dtype=object)
    found = detector(name).matches(series, named=named)
    return [v for v, hit in zip(values, found, strict=True) if hit]
