"""СНИЛС, the Russian individual insurance account number: 11 digits, written
"112-233-445 95", "112 233 445 95" or bare, with a 2-digit check number."""

from __future__ import annotations

import re

import pandas as pd

from pdpipe.detectors.base import Category, Detector, Evidence
from pdpipe.detectors.checksums import snils_ok
from pdpipe.detectors.registry import register

SHAPE = r"\d{3}([- ]?)\d{3}\1\d{3}[- ]?\d{2}"
# In text, eleven digits after a "+" are a phone number ("+79161234567"), one in a hundred
# of which would pass the СНИЛС check.
IN_TEXT = re.compile(rf"(?<![\d+-]){SHAPE}(?![\d-])")
_NOT_DIGIT = re.compile(r"\D")


def digits(text: str) -> str:
    return _NOT_DIGIT.sub("", text)


@register
class Snils(Detector):
    name = "snils"
    category = Category.SNILS
    evidence = Evidence.CHECKSUM
    name_words = frozenset({"snils", "snils_number", "strakhovoi", "strahovoy"})
    name_phrases = ("insurance number", "pension number")
    max_length = 14
    shape = SHAPE

    def _match(self, texts: pd.Series, named: bool) -> pd.Series:
        shaped = texts.str.fullmatch(SHAPE)
        found = pd.Series(False, index=texts.index)
        found[shaped] = texts[shaped].map(lambda t: snils_ok(digits(t))).astype(bool)
        return found
