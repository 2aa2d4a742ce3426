"""ИИН, Kazakhstan's individual identification number: 12 digits that begin with the date
of birth, with a check digit (see checksums.iin_ok for the rule and its source)."""

from __future__ import annotations

import pandas as pd

from pdpipe.detectors.base import Category, Detector, Evidence
from pdpipe.detectors.checksums import iin_ok
from pdpipe.detectors.registry import register

SHAPE = r"\d{12}"


@register
class Iin(Detector):
    name = "iin"
    category = Category.IIN
    evidence = Evidence.CHECKSUM
    name_words = frozenset({"iin", "zhsn"})
    name_phrases = ("individual identification number",)
    max_length = 12
    shape = SHAPE

    def _match(self, texts: pd.Series, named: bool) -> pd.Series:
        shaped = texts.str.fullmatch(SHAPE)
        found = pd.Series(False, index=texts.index)
        found[shaped] = texts[shaped].map(iin_ok).astype(bool)
        return found
