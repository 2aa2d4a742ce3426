"""Names of people: a first name, a surname, a patronymic alone, or a full name of two to
four words in any order and case ("Иванов Иван Иванович", "ивановой ольги петровны",
"Ахметов Нурлан Серикұлы", "Ivanova Olga", "John Smith", "Иванов И.И.").

See name_parts.py for what each word can be and why.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from functools import lru_cache

import pandas as pd

from pdpipe.detectors.base import Category, Detector, Evidence
from pdpipe.detectors.morph import FIRST, LAST, PATRONYMIC
from pdpipe.detectors.name_parts import Part, full_name_parts, part, words
from pdpipe.detectors.registry import register

_SEPARATORS = re.compile(r"[\s,]*")
_NAME_VETOES = frozenset(
    [
        "first",
        "last",
        "middle",
        "given",
        "family",
        "user",
        "file",
        "table",
        "company",
        "org",
        "product",
        "list",
        "campaign",
        "domain",
        "host",
        "brand",
        "city",
        "street",
        "country",
        "bank",
        "shop",
        "store",
        "item",
        "group",
        "template",
        "tag",
        "category",
        "project",
        "event",
        "field",
        "column",
        "schema",
        "server",
        "db",
        "app",
        "device",
        "model",
        "plan",
        "tariff",
        "course",
        "status",
        "role",
        "type",
    ]
)


@lru_cache(maxsize=65_536)
def value_parts(value: str) -> tuple[Part, ...] | None:
    """The parts of a value made of words only (and spaces, commas); None otherwise.
    Cached: the four name detectors ask it of the same values."""
    found = words(value)
    if not found or len(found) > 4:
        return None
    rest = value
    for word, _, _ in found:
        rest = rest.replace(word, " ", 1)
    if not _SEPARATORS.fullmatch(rest):
        return None  # digits, an "@", other punctuation: not a name
    return tuple(part(word) for word, _, _ in found)


# Characters no name holds (value_parts refuses them too): a vectorized look first spares
# the dictionary look-up of every id, number, date, e-mail and URL a scan samples.
_NOT_WORDS = r"[\d@/:_=#<>{}\[\]]"
_NOT_ONE_WORD = r"[\s\d@/:_=#<>{}\[\]]"


def _where_wordy(texts: pd.Series, refused: str, test: Callable[[str], bool]) -> pd.Series:
    found = pd.Series(False, index=texts.index)
    wordy = ~texts.str.contains(refused).astype(bool)
    found[wordy] = texts[wordy].map(test).astype(bool)
    return found


def _single(role: str, value: str) -> bool:
    parts = value_parts(value)
    return parts is not None and len(parts) == 1 and parts[0].main == role


class _OneWord(Detector):
    evidence = Evidence.DICTIONARY
    max_length = 60
    role: str

    def _match(self, texts: pd.Series, named: bool) -> pd.Series:
        return _where_wordy(texts, _NOT_ONE_WORD, lambda t: _single(self.role, t))


@register
class FirstName(_OneWord):
    name = "first_name"
    category = Category.FIRST_NAME
    role = FIRST
    name_words = frozenset({"firstname", "fname", "imya", "forename", "givenname", "imia"})
    name_phrases = ("first name", "given name", "name first")


@register
class LastName(_OneWord):
    name = "last_name"
    category = Category.LAST_NAME
    role = LAST
    name_words = frozenset(
        {"lastname", "surname", "familiya", "familia", "familiia", "fam", "lname", "familyname"}
    )
    name_phrases = ("last name", "family name", "name last")


@register
class Patronymic(_OneWord):
    name = "patronymic"
    category = Category.PATRONYMIC
    role = PATRONYMIC
    name_words = frozenset(
        {"patronymic", "otchestvo", "otch", "middlename", "mname", "patronym", "otchestva"}
    )
    name_phrases = ("middle name", "name middle")


@register
class FullName(Detector):
    name = "full_name"
    category = Category.FULL_NAME
    evidence = Evidence.DICTIONARY
    name_words = frozenset({"fio", "fullname", "name", "names", "person", "polnoeimya"})
    name_phrases = ("full name", "contact name", "client name", "customer name", "display name")
    name_vetoes = _NAME_VETOES
    max_length = 120

    def _match(self, texts: pd.Series, named: bool) -> pd.Series:
        def full(value: str) -> bool:
            parts = value_parts(value)
            return parts is not None and full_name_parts(parts, strict=False)

        return _where_wordy(texts, _NOT_WORDS, full)


def spans_in(text: str) -> list[tuple[int, int]]:
    """(start, end) of the full names inside a free text: only runs of capitalized words
    that are name parts on their own ("Иванов Иван", "Ольга Петровна", "Петров И.И."), so
    that a capitalized word at a sentence's start or a place name does not make one."""
    found: list[tuple[int, int]] = []
    if not any(c.isupper() for c in text):
        return found
    tokens = [(w, s, e) for w, s, e in words(text) if w[0].isupper() and _part(w).main]
    i = 0
    while i < len(tokens):
        best = 0
        for size in (4, 3, 2):
            run = tokens[i : i + size]
            if len(run) < size or not _adjacent(text, run):
                continue
            if full_name_parts([_part(w) for w, _, _ in run], strict=True):
                best = size
                break
        if best:
            found.append((tokens[i][1], tokens[i + best - 1][2]))
            i += best
        else:
            i += 1
    return found


def _part(word: str) -> Part:
    """A word of free text: an initial keeps its dot, a word loses a full stop."""
    initial = word.endswith(".") and len(word.replace(".", "")) <= 2
    return part(word if initial else word.rstrip("."))


def _adjacent(text: str, run: list[tuple[str, int, int]]) -> bool:
    """Consecutive words separated by spaces only (a comma or a full stop ends a name,
    except after an initial)."""
    return all(text[a[2] : b[1]].strip() == "" for a, b in itertools.pairwise(run))
