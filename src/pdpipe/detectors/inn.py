"""ИНН, the Russian taxpayer number: 12 digits for a person, 10 for an organization
(an organization's number is not personal data by itself; it matches all the same, and
the share of 12-digit values tells them apart). Checked with python-stdnum."""

from __future__ import annotations

import pandas as pd

from pdpipe.detectors.base import Category, Detector, Evidence
from pdpipe.detectors.checksums import inn_ok
from pdpipe.detectors.registry import register

SHAPE = r"(?:\d{10}|\d{12})"


@register
class Inn(Detector):
    name = "inn"
    category = Category.INN
    evidence = Evidence.CHECKSUM
    name_words = frozenset({"inn", "taxpayer", "tin", "innfl", "nalogovyi", "nalogovy"})
    name_phrases = ("tax id", "tax number", "taxpayer id")
    max_length = 12
    shape = SHAPE

    def _match(self, texts: pd.Series, named: bool) -> pd.Series:
        shaped = texts.str.fullmatch(SHAPE)
        found = pd.Series(False, index=texts.index)
        found[shaped] = texts[shaped].map(inn_ok).astype(bool)
        return found
