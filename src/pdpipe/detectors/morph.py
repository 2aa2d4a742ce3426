"""What pymorphy3's Russian dictionary (OpenCorpora) says of one word: a first name
(grammeme Name), a surname (Surn) or a patronymic (Patr), in any case and number.

The analyzer loads lazily (0.1 s, 40 MB) on the first word and answers from a cache
afterwards; a scan sees the same names again and again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

FIRST, LAST, PATRONYMIC = "first", "last", "patronymic"

_KAZAKH_TO_RUSSIAN = str.maketrans("әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноуухиАГКНОУУХИ")


@cache
def analyzer() -> Any:
    import pymorphy3  # lazy: only a scan loads the dictionary

    return pymorphy3.MorphAnalyzer(lang="ru")


@cache
def _dictionary_unit() -> type:
    from pymorphy3.units import DictionaryAnalyzer

    return DictionaryAnalyzer  # type: ignore[no-any-return]


def russianize(word: str) -> str:
    """Kazakh letters to their nearest Russian ones, so "Нұрлан" reads as "Нурлан"."""
    return word.translate(_KAZAKH_TO_RUSSIAN)


@dataclass(frozen=True)
class Reading:
    """What the dictionary knows of one word."""

    roles: frozenset[str]  # name roles in any case: "Иванову" -> {"last"}
    nominative: frozenset[str]  # name roles in the nominative singular only
    name_score: float  # pymorphy3's probability that the word is a name of some role
    other_score: float  # ... that it is another word ("надежда" the noun)
    # ... another word but only as a genitive plural ("хабаров" of "хабар"): a surname
    # in -ов/-ев/-ин is read that way too, so this does not speak against a surname.
    plural_genitive_score: float = 0.0
    first_score: float = 0.0  # the share of name_score that is a first name
    surname_score: float = 0.0

    @property
    def known(self) -> bool:
        return bool(self.name_score or self.other_score or self.plural_genitive_score)


_GRAMMEMES = (("Name", FIRST), ("Surn", LAST), ("Patr", PATRONYMIC))
_UNKNOWN = Reading(frozenset(), frozenset(), 0.0, 0.0)


@lru_cache(maxsize=262_144)
def read(word: str) -> Reading:
    """The dictionary's reading of ``word`` (any case; Kazakh letters russianized).
    Guesses from the word's ending are left out: only words the dictionary holds count."""
    lower = russianize(word).lower()
    if not analyzer().word_is_known(lower):
        # Only the dictionary's own readings count, and it has none: skip the guessers
        # parse() would run (most Latin spellings tried for a name are no word at all).
        return _UNKNOWN
    roles: set[str] = set()
    nominative: set[str] = set()
    name_score = other_score = plural_genitive = first_score = surname_score = 0.0
    dictionary = _dictionary_unit()
    for parse in analyzer().parse(lower):
        stack = parse.methods_stack
        if len(stack) != 1 or type(stack[0][0]) is not dictionary:
            continue  # a guess from a prefix or an ending, not a word the dictionary holds
        tag = parse.tag
        role = next((r for g, r in _GRAMMEMES if g in tag), None)
        if role is None:
            if "plur" in tag and "gent" in tag:
                plural_genitive += parse.score
            elif "Geox" not in tag and "Abbr" not in tag:
                other_score += parse.score
            continue
        name_score += parse.score
        if role == FIRST:
            first_score += parse.score
        elif role == LAST:
            surname_score += parse.score
        if role != LAST and "plur" in tag:
            continue  # "Нурланов" is no first name, whatever the genitive plural says
        roles.add(role)
        if "nomn" in tag and "sing" in tag:
            nominative.add(role)
    return Reading(
        frozenset(roles),
        frozenset(nominative),
        name_score,
        other_score,
        plural_genitive,
        first_score,
        surname_score,
    )
