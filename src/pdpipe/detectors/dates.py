"""Calendar dates in the forms people and databases write them, read without guessing
more than the form allows: "1985-03-12", "12.03.1985", "12/03/1985", "03/12/1985" (read
month-first only when the first number cannot be a month), "12 марта 1985 г.",
"12 наурыз 1985", "March 12, 1985", "12-Mar-1985", a date with a midnight or other time.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    # Russian, every case and the usual abbreviations; Kazakh; English.
    **dict.fromkeys(("январь", "января", "янв", "jan", "january", "қаңтар"), 1),
    **dict.fromkeys(("февраль", "февраля", "фев", "feb", "february", "ақпан"), 2),
    **dict.fromkeys(("март", "марта", "мар", "mar", "march", "наурыз"), 3),
    **dict.fromkeys(("апрель", "апреля", "апр", "apr", "april", "сәуір"), 4),
    **dict.fromkeys(("май", "мая", "may", "мамыр"), 5),
    **dict.fromkeys(("июнь", "июня", "июн", "jun", "june", "маусым"), 6),
    **dict.fromkeys(("июль", "июля", "июл", "jul", "july", "шілде"), 7),
    **dict.fromkeys(("август", "августа", "авг", "aug", "august", "тамыз"), 8),
    **dict.fromkeys(("сентябрь", "сентября", "сен", "сент", "sep", "sept", "september"), 9),
    "қыркүйек": 9,
    **dict.fromkeys(("октябрь", "октября", "окт", "oct", "october", "қазан"), 10),
    **dict.fromkeys(("ноябрь", "ноября", "ноя", "нояб", "nov", "november", "қараша"), 11),
    **dict.fromkeys(("декабрь", "декабря", "дек", "dec", "december", "желтоқсан"), 12),
}  # fmt: skip
_MONTH = r"(?P<mon>[^\W\d_]{3,10})\.?"
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_YEAR_WORD = r"(?:\s*(?:г\.?|года|год|ж\.?|жыл))?"
FORMS = (
    re.compile(rf"(?P<y>\d{{4}})(?P<s>[-./])(?P<m>\d{{1,2}})(?P=s)(?P<d>\d{{1,2}}){_TIME}"),
    re.compile(rf"(?P<d>\d{{1,2}})(?P<s>[-./])(?P<m>\d{{1,2}})(?P=s)(?P<y>\d{{4}}|\d{{2}}){_YEAR_WORD}{_TIME}"),
    re.compile(rf"(?P<d>\d{{1,2}})[\s-]{_MONTH}[\s-](?P<y>\d{{4}}){_YEAR_WORD}", re.IGNORECASE),
    re.compile(rf"{_MONTH}\s(?P<d>\d{{1,2}}),?\s(?P<y>\d{{4}})", re.IGNORECASE),
    re.compile(rf"(?P<y>\d{{4}}){_YEAR_WORD}\s(?P<d>\d{{1,2}})\s{_MONTH}", re.IGNORECASE),
)  # fmt: skip
COMPACT = re.compile(r"(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})")
EARLIEST = date(1900, 1, 1)


def parse(text: str, *, compact: bool = False) -> date | None:
    """The date one whole value writes, or None. ``compact`` also reads "19850312"."""
    forms = (*FORMS, COMPACT) if compact else FORMS
    for form in forms:
        match = form.fullmatch(text)
        if match is not None:
            return _date(match.groupdict())
    return None


def _date(parts: dict[str, str | None]) -> date | None:
    mon = parts.get("mon")
    month = _MONTHS.get(mon.lower()) if mon else int(parts["m"] or 0)
    if month is None:
        return None
    day, year = int(parts["d"] or 0), int(parts["y"] or 0)
    if year < 100:  # two-digit years: this century if that is not in the future
        year += 2000 if 2000 + year <= date.today().year else 1900
    if month > 12 and day <= 12:
        day, month = month, day  # 03/25/1985: only month-first reads
    try:
        return date(year, month, day)
    except ValueError:
        return None


def plausible_birth(day: date | None, today: date | None = None) -> bool:
    """A birth date of someone alive or recently so: from 1900 to today."""
    return day is not None and EARLIEST <= day <= (today or date.today())
