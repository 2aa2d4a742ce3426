"""Postal addresses, only where a reliable signal exists: a Russian or Kazakh street
word with a house number ("ул. Ленина, д. 5, кв. 12", "пр-т Абая 150", "Абай даңғылы,
150"), a 6-digit postcode with a city word ("050000, г. Алматы"), or an English street
line ("221B Baker Street", "1600 Pennsylvania Ave NW, Apt 5", "83 Crosby Plaza Apt. 533,
Farleytown, MT 73436": any of the USPS's street suffixes, with the unit, city, state and
ZIP that follow it). A street without a number, a city alone or a bare postcode is not
detected: none of them identifies a person's home.

The match covers the street's name and, in English, the town: a street or town named
after a person ("пр. Карла Маркса, д. 5", "12 Erica Spring, Lake Tammy, CA") is part of
the address, not a name in free text."""

from __future__ import annotations

import re

import pandas as pd

from pdpipe.detectors.base import Category, Detector, Evidence
from pdpipe.detectors.registry import register

_STREET_RU = (
    r"(?:ул\.|улица|пр-т|пр-кт|просп\.|проспект|пер\.|переулок|ш\.|шоссе|б-р|бульвар|наб\."
    r"|набережная|мкр\.?|микрорайон|пл\.|площадь|проезд|тупик|аллея|көшесі|даңғылы|шағын\s+аудан"
    # short forms that are also common abbreviations ("и пр."): only before a capital
    r"|(?:пр|алл|ал|бул|бульв)\.\s?(?=[А-ЯЁA-Z\d]))"
)
_HOUSE = r"(?:д\.|дом|зд\.|стр\.|корп\.|к\.)?\s*\d{1,4}[а-яА-Яa-zA-Z]?(?:/\d{1,4})?"
RUSSIAN = re.compile(
    rf"{_STREET_RU}\s*[^,\n]{{0,40}}?[,\s]\s*{_HOUSE}(?![\d.])"
    rf"|[^,\n]{{2,40}}\s{_STREET_RU}[,\s]\s*{_HOUSE}(?![\d.])"
    r"|\b\d{6},?\s*(?:г\.|город|с\.|пос\.|п\.)\s*[А-ЯЁA-Z]"
    r"|(?:кв\.|квартира|оф\.)\s*\d{1,4}",
    re.IGNORECASE,
)
# Street suffixes: the USPS's standard ones (Publication 28, appendix C1) and the common
# abbreviations people write.
_STREET_EN = (
    r"(?:Alley|Annex|Arcade|Avenue|Bayou|Beach|Bend|Bluff|Bluffs|Bottom|Boulevard|Branch"
    r"|Bridge|Brook|Brooks|Burg|Burgs|Bypass|Camp|Canyon|Cape|Causeway|Center|Centers"
    r"|Circle|Circles|Cliff|Cliffs|Club|Common|Commons|Corner|Corners|Course|Court|Courts"
    r"|Cove|Coves|Creek|Crescent|Crest|Crossing|Crossroad|Crossroads|Curve|Dale|Dam|Divide"
    r"|Drive|Drives|Estate|Estates|Expressway|Extension|Extensions|Falls|Ferry|Field"
    r"|Fields|Flat|Flats|Ford|Fords|Forest|Forge|Forges|Fork|Forks|Fort|Freeway|Garden"
    r"|Gardens|Gateway|Glen|Glens|Green|Greens|Grove|Groves|Harbor|Harbors|Haven|Heights"
    r"|Highway|Hill|Hills|Hollow|Inlet|Island|Islands|Isle|Junction|Junctions|Key|Keys"
    r"|Knoll|Knolls|Lake|Lakes|Land|Landing|Lane|Light|Lights|Loaf|Lock|Locks|Lodge|Loop"
    r"|Mall|Manor|Manors|Meadow|Meadows|Mews|Mill|Mills|Mission|Motorway|Mount|Mountain"
    r"|Mountains|Neck|Orchard|Oval|Overpass|Park|Parks|Parkway|Parkways|Pass|Passage|Path"
    r"|Pike|Pine|Pines|Place|Plain|Plains|Plaza|Point|Points|Port|Ports|Prairie|Radial"
    r"|Ramp|Ranch|Rapid|Rapids|Rest|Ridge|Ridges|River|Road|Roads|Route|Row|Rue|Run|Shoal"
    r"|Shoals|Shore|Shores|Skyway|Spring|Springs|Spur|Spurs|Square|Squares|Station"
    r"|Stravenue|Stream|Street|Streets|Summit|Terrace|Throughway|Trace|Track|Trafficway"
    r"|Trail|Trailer|Tunnel|Turnpike|Underpass|Union|Unions|Valley|Valleys|Via|Viaduct"
    r"|View|Views|Village|Villages|Ville|Vista|Walk|Walks|Wall|Way|Ways|Well|Wells|St|Ave"
    r"|Rd|Blvd|Ln|Dr|Ct|Pl|Sq|Ter|Hwy|Pkwy|Cir|Ctr|Pt|Trl|Xing)"
)
_UNIT_EN = r"(?:\s+[NSEW]{1,2}\b)?(?:,?\s+(?:Apt\.?|Suite|Ste\.?|Unit|#)\s*[\w-]{1,6})?"
_TOWN_EN = r"(?:,\s+(?:[A-Z][a-z]+\s){0,2}[A-Z][a-z]+,\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?\b)?"
ENGLISH = re.compile(
    rf"\b\d{{1,5}}[A-Z]?\s+(?:[A-Z][a-z]+\.?\s+){{1,3}}{_STREET_EN}\b\.?{_UNIT_EN}{_TOWN_EN}"
)


# What every address above holds: a Cyrillic word and a number, or a number before a
# capitalized word. A vectorized look first spares the two patterns ids, timestamps,
# amounts, e-mails and codes.
_MAYBE = r"(?s)\A(?=.*\d)(?=.*[^\W\d_A-Za-z])|\d[A-Z]?\s+[A-Z]"


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
        found = pd.Series(False, index=texts.index)
        maybe = texts.str.contains(_MAYBE).astype(bool)
        found[maybe] = texts[maybe].map(has_address).astype(bool)
        return found
