"""Postal addresses, only where a reliable signal exists: a Russian or Kazakh street
word with a house number ("ул. Ленина, д. 5, кв. 12", "пр-т Абая 150", "Абай даңғылы,
150"), a 6-digit postcode with a city word ("050000, г. Алматы"), or an English street
line ("221B Baker Street", "1600 Pennsylvania Ave NW, Apt 5"). A street without a
number, a city alone or a bare postcode is not detected: none of them identifies a
person's home."""

from __future__ import annotations

import re

import pandas as pd

from pdpipe.detectors.base import Category, Detector, Evidence
from pdpipe.detectors.registry import register

_STREET_RU = (
    r"(?:ул\.|улица|пр-т|пр-кт|просп\.|проспект|пер\.|переулок|ш\.|шоссе|б-р|бульвар|наб\."
    r"|набережная|мкр\.?|микрорайон|пл\.|площадь|проезд|тупик|аллея|көшесі|даңғылы|шағын\s+аудан)"
)
_HOUSE = r"(?:д\.|дом|зд\.|стр\.|корп\.|к\.)?\s*\d{1,4}[а-яА-Яa-zA-Z]?(?:/\d{1,4})?"
RUSSIAN = re.compile(
    rf"{_STREET_RU}\s*[^,\n]{{0,40}}?[,\s]\s*{_HOUSE}(?![\d.])"
    rf"|[^,\n]{{2,40}}\s{_STREET_RU}[,\s]\s*{_HOUSE}(?![\d.])"
    r"|\b\d{6},?\s*(?:г\.|город|с\.|пос\.|п\.)\s*[А-ЯЁA-Z]"
    r"|(?:кв\.|квартира|оф\.)\s*\d{1,4}",
    re.IGNORECASE,
)
_STREET_EN = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl"
    r"|Square|Sq|Terrace|Highway|Hwy|Parkway|Pkwy|Circle|Cir)"
)
ENGLISH = re.compile(rf"\b\d{{1,5}}[A-Z]?\s+(?:[A-Z][a-z]+\.?\s+){{1,3}}{_STREET_EN}\b\.?")


def has_address(text: str) -> bool:
    return RUSSIAN.search(text) is not None or ENGLISH.search(text) is not None


@register
class Address(Detector):
    name = "address"
    category = Category.ADDRESS
    evidence = Evidence.SHAPE
    name_words = frozenset({"address", "adres", "addr", "street", "ulitsa", "kvartira"})
    name_phrases = ("postal address", "home address", "mailing address", "adres registratsii")
    name_vetoes = frozenset({"email", "mail", "ip", "mac", "web", "url", "remote", "wallet"})
    max_length = 300

    def _match(self, texts: pd.Series, named: bool) -> pd.Series:
        return texts.map(has_address).astype(bool)
