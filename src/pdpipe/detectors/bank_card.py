"""Bank card numbers (PAN): 13-19 digits of a known network's prefix and length, with
the Luhn check, bare or in groups ("4276 3800 1234 5675", "3782-822463-10005")."""

from __future__ import annotations

import re

import pandas as pd

from pdpipe.detectors.base import Category, Detector, Evidence
from pdpipe.detectors.checksums import card_issuer_ok, luhn_ok
from pdpipe.detectors.registry import register

# Bare, four-digit groups (the last may be shorter), or Amex/Diners' 4-6-5 / 4-6-4.
SHAPE = r"\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5}"
IN_TEXT = re.compile(rf"(?<![\d-])(?:{SHAPE})(?![\d-]|[ -]\d)")
_NOT_DIGIT = re.compile(r"\D")


def card_ok(text: str) -> bool:
    digits = _NOT_DIGIT.sub("", text)
    return 13 <= len(digits) <= 19 and card_issuer_ok(digits) and luhn_ok(digits)


@register
class BankCard(Detector):
    name = "bank_card"
    category = Category.BANK_CARD
    evidence = Evidence.CHECKSUM
    name_words = frozenset({"card", "pan", "cardnumber", "karta", "cc", "ccnum"})
    name_phrases = ("card number", "card num", "card no", "credit card", "nomer karty")
    max_length = 23
    shape = SHAPE

    def _match(self, texts: pd.Series, named: bool) -> pd.Series:
        shaped = texts.str.fullmatch(SHAPE)
        found = pd.Series(False, index=texts.index)
        found[shaped] = texts[shaped].map(card_ok).astype(bool)
        return found
