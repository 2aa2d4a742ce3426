"""PD detectors: which sampled values of a column are personal data, and of which
category; where PD sits inside free text. A pure library over values (no database):
a scan samples the columns and asks these.

    from pdpipe.detectors import detector, DETECTORS
    detector("phone").matches(values)              # a boolean Series
    detector("phone").name_suggests("msisdn")      # True
    find_spans("Позвоните: +7 912 345-67-89")      # [Span(PHONE, 11, 27)]

Importing the package registers every detector; phonenumbers, python-stdnum and
pymorphy3 load only when a detector first needs them.
"""

from pdpipe.detectors import (  # noqa: F401  (each module registers its detector)
    address,
    bank_card,
    birth_date,
    email,
    iin,
    inn,
    ip_address,
    names,
    passport,
    phone,
    snils,
)
from pdpipe.detectors.base import MAX_CHARS, Category, Detector, DetectorError, Evidence
from pdpipe.detectors.registry import DETECTORS, detector, for_category, known_names
from pdpipe.detectors.text import Span, embedded_share, embeds_pd, find_spans

__all__ = [
    "DETECTORS",
    "MAX_CHARS",
    "Category",
    "Detector",
    "DetectorError",
    "Evidence",
    "Span",
    "detector",
    "embedded_share",
    "embeds_pd",
    "find_spans",
    "for_category",
    "known_names",
]
