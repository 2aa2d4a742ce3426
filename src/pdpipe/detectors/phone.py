"""Phone numbers, Russian and Kazakh (+7, shared) and international, in every written
form: "+7 (912) 345-67-89", "8 912 345 67 89", "89123456789", "7-912-345-67-89",
"+44 20 7946 0958", with an extension ("доб. 123", "ext. 12").

Two tests, both needed: the value looks like a phone (digits with the separators people
type, 10-15 digits, no single decimal point, no date or time punctuation), and
``phonenumbers`` finds it a valid number for its country (a real operator or area code
and a length that country uses). Ten bare digits ("9123456789") could as well be an
account number: they count only in a column whose name says phone.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

import pandas as pd

from pdpipe.detectors.base import Category, Detector, Evidence
from pdpipe.detectors.registry import register

_EXTENSION = re.compile(
    r"\s*[,;]?\s*(?:доб(?:авочный)?\.?|ext(?:ension)?\.?|x|#)\s*\d{1,6}$", re.IGNORECASE
)
_NOT_TYPED = r"[^\d\s()+.,;#-]"
_EXTENSION_WORD = r"(?i)доб|ext|x"
_SHAPE = re.compile(r"\+?\s*\(?\d[\d\s().-]*\d")
_NOT_DIGIT = re.compile(r"\D")
# In free text: a run of digits and phone separators, not glued to a word or a longer
# number, with an optional extension.
IN_TEXT = re.compile(
    r"(?<![\w+.,/-])(?:\+\s?)?\d[\d\s().-]{7,22}\d"
    r"(?:\s*,?\s*(?:доб\.?|ext\.?)\s*\d{1,6})?(?![\w.,/-]?\d)",
    re.IGNORECASE,
)


@cache
def _phonenumbers() -> Any:
    import phonenumbers  # lazy: 60 ms and 20 MB of metadata, only for a scan

    return phonenumbers


def _shape_ok(text: str) -> bool:
    if not _SHAPE.fullmatch(text):
        return False
    if text.count(".") == 1 or text.count("(") != text.count(")") or text.count("(") > 1:
        return False  # 1234567.89 is an amount; unbalanced brackets are not a phone
    if "(" in text and not re.search(r"\(\d{1,5}\)", text):
        return False
    return not re.search(r"[\s.-]{2,}", text.replace(" - ", "-").replace(") ", ")"))


@lru_cache(maxsize=65_536)
def phone_ok(text: str, named: bool = False) -> bool:
    """Whether one value is a whole phone number (see the module's docstring)."""
    text = _EXTENSION.sub("", text.strip())
    if not _shape_ok(text):
        return False
    digits = _NOT_DIGIT.sub("", text)
    if not 10 <= len(digits) <= 15:
        return False
    formatted = len(digits) != len(text)
    if text.startswith("+"):
        number, region = text, None
    elif digits.startswith("00"):
        number, region = "+" + digits[2:], None
    elif len(digits) == 11 and digits[0] == "8":
        number, region = digits, "RU"  # 8 is the trunk prefix of +7
    elif len(digits) == 11 and digits[0] == "7":
        number, region = "+" + digits, None
    elif len(digits) == 10 and (formatted or named):
        number, region = digits, "RU"  # +7 numbers without their prefix (RU and KZ)
    else:
        return False
    lib = _phonenumbers()
    try:
        parsed = lib.parse(number, region)
    except lib.NumberParseException:
        return False
    return bool(lib.is_valid_number(parsed))


@register
class Phone(Detector):
    name = "phone"
    category = Category.PHONE
    evidence = Evidence.SHAPE
    name_words = frozenset(
        [
            "phone",
            "phones",
            "tel",
            "tele",
            "telefon",
            "telephone",
            "mob",
            "mobile",
            "mobilnyi",
            "msisdn",
            "cell",
            "cellphone",
            "phonenumber",
            "telnum",
            "sotovyi",
            "sotovy",
            "whatsapp",
            "viber",
        ]
    )
    name_phrases = ("nomer telefona", "contact number", "tel no", "tel num")
    max_length = 40

    def _match(self, texts: pd.Series, named: bool) -> pd.Series:
        # Only digits and the separators people type, or an extension word: timestamps,
        # UUIDs and codes, whose digits would count, are refused without a look-up.
        typed = ~texts.str.contains(_NOT_TYPED) | texts.str.contains(_EXTENSION_WORD)
        candidates = typed.astype(bool) & texts.str.count(r"\d").between(10, 21)
        found = pd.Series(False, index=texts.index)
        found[candidates] = texts[candidates].map(lambda t: phone_ok(t, named)).astype(bool)
        return found


def spans_in(text: str) -> list[tuple[int, int]]:
    """(start, end) of every valid phone inside a free text, a trailing group of digits
    that belongs to the next number trimmed off."""
    found: list[tuple[int, int]] = []
    for match in IN_TEXT.finditer(text):
        start, _end = match.span()
        candidate = match.group()
        while candidate:
            if phone_ok(candidate):
                found.append((start, start + len(candidate)))
                break
            cut = max(candidate.rfind(" "), candidate.rfind(","))
            candidate = candidate[:cut].rstrip(" ,-(") if cut > 0 else ""
    return found
