"""What every PD detector is: a category, the kind of evidence it rests on, the words of a
column name that suggest it, and a vectorized test of sampled values.

Detectors see values only: they open no database and keep nothing. A later scan samples a
column, asks each detector which sampled values match, and reports the share; the same
detectors find PD inside free text (``pdpipe.detectors.text``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import StrEnum
from typing import ClassVar

import pandas as pd

from pdpipe.detectors.column_names import suggests
from pdpipe.detectors.values import MAX_CHARS, Texts, spread
from pdpipe.errors import BadInput

__all__ = ["MAX_CHARS", "Category", "Detector", "DetectorError", "Evidence", "Texts"]


class DetectorError(BadInput):
    """A detector was asked for by a name that is not one (exit 2)."""


class Category(StrEnum):
    """The personal-data categories pdpipe detects."""

    EMAIL = "email"
    PHONE = "phone"
    LAST_NAME = "last_name"
    FIRST_NAME = "first_name"
    PATRONYMIC = "patronymic"
    FULL_NAME = "full_name"
    BIRTH_DATE = "birth_date"
    IP_ADDRESS = "ip_address"
    INN = "inn"
    SNILS = "snils"
    IIN = "iin"
    PASSPORT = "passport"
    BANK_CARD = "bank_card"
    ADDRESS = "address"


class Evidence(StrEnum):
    """What a match rests on, strongest last: a scan reports it beside each finding."""

    COLUMN_NAME = "column name"
    SHAPE = "value shape"  # a pattern alone (email, IP address, a date, a street)
    DICTIONARY = "dictionary"  # known names, endings of surnames and patronymics
    CHECKSUM = "checksum"  # a number whose check digits hold (INN, SNILS, card, ...)


class Detector(ABC):
    """One category's detector. Subclasses set the class variables and ``_match``.

    ``matches`` takes sampled values as they come from a store (strings, numbers, None)
    and answers, for each, whether the whole value is PD of this category. ``named``
    says that the column's name suggests the category: some values are PD only then
    (a date is a birth date in a column called ``dob``; ten bare digits are a passport
    number in a column called ``passport``).
    """

    name: ClassVar[str]  # the registry's key; the category's value unless several share it
    category: ClassVar[Category]
    evidence: ClassVar[Evidence]
    # Column-name tokens (lower case, split on _ . - space and camelCase) that suggest
    # the category, and token sequences that do ("last name", "e mail").
    name_words: ClassVar[frozenset[str]] = frozenset()
    name_phrases: ClassVar[tuple[str, ...]] = ()
    # Tokens that veto the name (an "email_address" column is no postal address).
    name_vetoes: ClassVar[frozenset[str]] = frozenset()
    # Values longer than this (after stripping) never match as a whole value.
    max_length: ClassVar[int] = 200
    # For a checksum: the written shape its numbers have (a regular expression for the
    # whole value). Random numbers of that shape pass a check digit by chance (one in ten
    # or eleven): a scan compares the matches with the values of the shape.
    shape: ClassVar[str | None] = None

    def name_suggests(self, column: str) -> bool:
        """Whether a column's name (``"contacts.e_mail"``, ``"attribs.phone"``) says
        it holds this category."""
        return suggests(column, self.name_words, self.name_phrases, self.name_vetoes)

    def matches(self, values: pd.Series | Texts, *, named: bool = False) -> pd.Series:
        """A boolean Series aligned with ``values``: True where the value is PD of this
        category. None/NaN are False. Computed once per distinct value; a scan passes the
        column's ``Texts``, made once for all detectors."""
        texts = values if isinstance(values, Texts) else Texts.of(values)
        candidates, codes = texts.within(self.max_length)
        found = self._match(candidates, named) if len(candidates) else candidates.astype(bool)
        return spread(found, codes, texts.index)

    def shaped(self, values: pd.Series | Texts) -> pd.Series:
        """A boolean Series aligned with ``values``: True where the value has the written
        shape of this category's numbers, valid or not (all False without a ``shape``)."""
        texts = values if isinstance(values, Texts) else Texts.of(values)
        candidates, codes = texts.within(self.max_length)
        if self.shape is None or not len(candidates):
            found = pd.Series(False, index=candidates.index)
        else:
            found = candidates.str.fullmatch(self.shape).astype(bool)
        return spread(found, codes, texts.index)

    @abstractmethod
    def _match(self, texts: pd.Series, named: bool) -> pd.Series:
        """Booleans for distinct, stripped, non-empty strings of at most max_length."""

    def __repr__(self) -> str:
        return f"<detector {self.name}: {self.evidence}>"
