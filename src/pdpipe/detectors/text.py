"""Personal data inside free text (notes, comments, message bodies): where each piece is.

``find_spans`` returns (category, start, end) for every e-mail, phone, checksummed number
(card, СНИЛС, a person's 12-digit ИНН, ИИН), passport, IP address, birth date after a
birth word, postal address and full name in a text; a later ``scrub`` operator replaces
exactly these spans. ``embeds_pd`` and ``embedded_share`` answer, per sampled row and for a column,
whether the text holds any.

Names count here only with a strong signal (capitalized words that are each a name
part, e.g. a first name with a surname or patronymic): a capitalized word alone at a
sentence's start is never a name. Only the first MAX_CHARS characters are read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

import pandas as pd

from pdpipe.detectors import (
    address,
    bank_card,
    birth_date,
    dates,
    email,
    ip_address,
    names,
    passport,
    phone,
    snils,
)
from pdpipe.detectors.base import Category
from pdpipe.detectors.checksums import iin_ok, inn_ok, snils_ok
from pdpipe.detectors.values import MAX_CHARS, distinct_texts, spread


class Span(NamedTuple):
    category: Category
    start: int
    end: int


_NOT_DIGIT = re.compile(r"\D")
# A person's ИНН and ИИН have 12 digits. Ten digits are an organization's ИНН (no PD by
# itself), and in prose more often an order or account number, one in eleven of which
# passes the ИНН check by chance.
_DIGITS_12 = re.compile(r"(?<![\d-])\d{12}(?![\d-])")
_WORTH_A_LOOK = re.compile(r"[@\d:]|[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ]")


def _regex(
    pattern: re.Pattern[str], ok: Callable[[str], bool] = lambda _: True
) -> Callable[[str], Iterator[tuple[int, int]]]:
    def find(text: str) -> Iterator[tuple[int, int]]:
        for match in pattern.finditer(text):
            if ok(match.group()):
                yield match.span()

    return find


def _birth_dates(text: str) -> Iterator[tuple[int, int]]:
    for match in birth_date.IN_TEXT.finditer(text):
        if dates.plausible_birth(dates.parse(match.group("date"))):
            yield match.span("date")


def _ip(text: str) -> Iterator[tuple[int, int]]:
    yield from (m.span() for m in ip_address.V4_IN_TEXT.finditer(text))
    for match in ip_address.V6_IN_TEXT.finditer(text):
        if ip_address.is_v6(match.group()):
            yield match.span()


def _digits(ok: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda found: ok(_NOT_DIGIT.sub("", found))


# Priority order: where two findings overlap, the earlier category keeps the text.
_FINDERS: tuple[tuple[Category, Callable[[str], Iterator[tuple[int, int]]]], ...] = (
    (Category.EMAIL, _regex(email.IN_TEXT)),
    (Category.BANK_CARD, _regex(bank_card.IN_TEXT, bank_card.card_ok)),
    (Category.SNILS, _regex(snils.IN_TEXT, _digits(snils_ok))),
    (Category.IIN, _regex(_DIGITS_12, iin_ok)),
    (Category.INN, _regex(_DIGITS_12, inn_ok)),
    (Category.PASSPORT, _regex(passport.IN_TEXT)),
    (Category.IP_ADDRESS, _ip),
    (Category.PHONE, lambda text: iter(phone.spans_in(text))),
    (Category.BIRTH_DATE, _birth_dates),
    (Category.ADDRESS, lambda text: (m.span() for m in address.RUSSIAN.finditer(text))),
    (Category.ADDRESS, lambda text: (m.span() for m in address.ENGLISH.finditer(text))),
    (Category.FULL_NAME, lambda text: iter(names.spans_in(text))),
)


def find_spans(text: str) -> list[Span]:
    """Every piece of PD in ``text`` (its first MAX_CHARS characters), by position."""
    text = text[:MAX_CHARS]
    if not _WORTH_A_LOOK.search(text):
        return []
    taken: list[Span] = []
    for category, finder in _FINDERS:
        for start, end in finder(text):
            if not any(start < s.end and s.start < end for s in taken):
                taken.append(Span(category, start, end))
    return sorted(taken, key=lambda s: s.start)


def embeds_pd(values: pd.Series) -> pd.Series:
    """Per value: whether its text holds any PD. Computed once per distinct text."""
    texts, codes = distinct_texts(values, MAX_CHARS)
    found = texts.map(lambda t: bool(find_spans(t))).astype(bool)
    return spread(found, codes, values.index)


def embedded_share(values: pd.Series) -> float:
    """The share of non-empty values whose text holds PD (0.0 for none)."""
    _texts, codes = distinct_texts(values, MAX_CHARS)
    present = codes >= 0
    if not present.any():
        return 0.0
    return float(embeds_pd(values)[present].mean())
