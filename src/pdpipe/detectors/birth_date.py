"""Birth dates. A date alone is not personal data (an order's date, a log's timestamp):
values match only in a column whose name says birth (dob, birthday, data_rozhdeniya,
dr), when they read as a date from 1900 to today. In free text, a date counts only
right after a birth word ("дата рождения", "д.р.", "DOB", "born")."""

from __future__ import annotations

import re

import pandas as pd

from pdpipe.detectors import dates
from pdpipe.detectors.base import Category, Detector, Evidence
from pdpipe.detectors.registry import register

# A birth word, then at most a few characters, then something date-like (checked after).
IN_TEXT = re.compile(
    r"(?:дата\s+рождения|д\.\s?р\.|д/р|г\.\s?р\.|родил(?:ся|ась)|рожд[её]н(?:а)?|туған\s+күні"
    r"|date\s+of\s+birth|birth\s?date|birthday|dob|born(?:\s+on)?)\s*[:\-–—]?\s*"
    r"(?P<date>\d{1,4}[-./]\d{1,2}[-./]\d{2,4}|\d{1,2}\s[^\W\d_]{3,10}\.?\s\d{4}"
    r"|[^\W\d_]{3,9}\.?\s\d{1,2},?\s\d{4})",
    re.IGNORECASE,
)


@register
class BirthDate(Detector):
    name = "birth_date"
    category = Category.BIRTH_DATE
    evidence = Evidence.COLUMN_NAME
    name_words = frozenset(
        [
            "dob",
            "birth",
            "birthday",
            "birthdate",
            "bday",
            "dr",
            "rozhdeniya",
            "rozhdenia",
            "born",
            "datarozhdeniya",
            "dataroj",
            "tuganzhyl",
        ]
    )
    name_phrases = ("date of birth", "data rozhd", "d r")
    max_length = 40

    def _match(self, texts: pd.Series, named: bool) -> pd.Series:
        if not named:
            return pd.Series(False, index=texts.index)
        return texts.map(lambda t: dates.plausible_birth(dates.parse(t, compact=True))).astype(bool)
