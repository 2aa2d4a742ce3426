"""Russian internal passport: a 4-digit series (region, year of the blank) and a
6-digit number. There is no check digit, so ten digits alone prove nothing: a value
matches by itself only in the passport's written shapes ("45 12 345678",
"4512 № 345678", "серия 4512 номер 345678"); bare "4512345678" or "4512-345678" match
only in a column whose name says passport."""

from __future__ import annotations

import re

import pandas as pd

from pdpipe.detectors.base import Category, Detector, Evidence
from pdpipe.detectors.registry import register

# The series: a region code (never 00) and the blank's year (97-99, 00-39).
_SERIES = r"(?!00)\d{2}(?:9[7-9]|[0-3]\d)"
_SERIES_SPACED = r"(?!00)\d{2} (?:9[7-9]|[0-3]\d)"
_WORDS = r"(?:(?:паспорт|passport)[:\s]*)?(?:сери[яи]|серия:|series|с\.)?\s*"
STRONG = (
    rf"{_WORDS}(?:{_SERIES_SPACED}|{_SERIES})\s*(?:№|N|номер|н\.|no\.?)\s*\d{{6}}"
    rf"|{_WORDS}{_SERIES_SPACED} \d{{6}}"
    rf"|(?:паспорт|passport|сери[яи]|series)[:\s]*{_SERIES} \d{{6}}"
)
NAMED = rf"{_SERIES}[ -]?\d{{6}}|{STRONG}"
IN_TEXT = re.compile(
    rf"(?<![\w-])(?:{STRONG}|(?:паспорт\w*|passport)\D{{0,12}}{_SERIES}[ -]?\d{{6}})(?![\w-])",
    re.IGNORECASE,
)


@register
class Passport(Detector):
    name = "passport"
    category = Category.PASSPORT
    evidence = Evidence.SHAPE
    name_words = frozenset({"passport", "pasport", "passportnumber", "udostoverenie"})
    name_phrases = ("doc num", "doc no", "doc number", "document number", "document num")
    max_length = 60

    def _match(self, texts: pd.Series, named: bool) -> pd.Series:
        return texts.str.fullmatch(NAMED if named else STRONG, case=False)
