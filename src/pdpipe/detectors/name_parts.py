"""The parts of a person's name one word can be: first name, surname, patronymic or an
initial, in Cyrillic (Russian and Kazakh) or Latin letters.

Evidence, in order: pymorphy3's dictionary (first names, surnames and patronymics of
OpenCorpora, in every case: "Ольги", "Ивановой", "Петровичем"); the endings surnames and
patronymics are made with ("-ов", "-ева", "-ский", "-енко", "-ович", "-овна", Kazakh
"-ұлы"/"-қызы"), for the many surnames no dictionary holds; for Latin letters, the census
lists and the same dictionary read through transliteration (latin.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pdpipe.detectors import latin, morph
from pdpipe.detectors.morph import FIRST, LAST, PATRONYMIC

INITIAL = "initial"

_CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
_LETTERS = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_INITIALS = re.compile(r"(?:[^\W\d_]\.\s?){1,2}|[^\W\d_]\.?")
_SURNAME_END = re.compile(
    r"(?:ов|ев|ёв|ин|ын)(?:а|у|ой|ым|ою|е|ых|ым|ыми)?$"
    r"|(?:ск|цк)(?:ий|ая|ой|ого|ому|им|ом|ую|ей)$"
    r"|(?:енко|чук|щук|юк|дзе|швили|ян|янц|баев|баева|беков|бекова)$"
)
_PATRONYMIC_END = re.compile(r"(?:ович|евич)(?:а|у|ем|е)?$|(?:овн|евн|ичн)(?:а|ы|е|у|ой|ою)$")
_KAZAKH_PATRONYMIC_END = re.compile(r"(?:ұлы|улы|қызы|кызы)$")


@dataclass(frozen=True)
class Part:
    """What one word of a name can be; ``main`` is the likeliest role alone."""

    roles: frozenset[str]
    main: str | None
    # a word of letters no dictionary or list knows at all (not a common word either):
    # beside a surname or patronymic it may be a name the dictionary lacks ("Ерлан")
    unknown: bool = False


NOTHING = Part(frozenset(), None)
UNKNOWN = Part(frozenset(), None, unknown=True)


@lru_cache(maxsize=262_144)
def part(word: str) -> Part:
    """The name roles of one word (any case); a hyphenated word takes its parts' roles
    ("Римская-Корсакова", "Анна-Мария")."""
    if _INITIALS.fullmatch(word) and len(word.replace(".", "").strip()) <= 2:
        return Part(frozenset({INITIAL}), INITIAL)
    if not _LETTERS.fullmatch(word) or len(word) < 2:
        return NOTHING
    whole = _cyrillic(word) if _CYRILLIC.search(word) else _latin(word)
    if whole.roles or "-" not in word:
        return whole
    pieces = [part(p) for p in word.split("-") if p]
    roles = frozenset().union(*(p.roles for p in pieces)) - {INITIAL}
    return Part(roles, pieces[-1].main if pieces[-1].roles else None) if roles else NOTHING


def _cyrillic(word: str) -> Part:
    lower = word.lower()
    reading = morph.read(lower)
    roles = set(reading.roles)
    if _KAZAKH_PATRONYMIC_END.search(lower) and len(lower) >= 6:
        roles.add(PATRONYMIC)
    plain = morph.russianize(lower)
    free = reading.other_score == 0  # the dictionary knows it as no other word
    if not roles and free and len(plain) >= 5 and _SURNAME_END.search(plain):
        roles.add(LAST)
    if PATRONYMIC not in roles and free and len(plain) >= 7 and _PATRONYMIC_END.search(plain):
        roles.add(PATRONYMIC)
    if not roles:
        return NOTHING if reading.known or not word[:1].isupper() else UNKNOWN
    if PATRONYMIC in roles:
        return Part(frozenset(roles), PATRONYMIC)
    if LAST in roles and FIRST in roles:  # "Ким", "Роман": the likelier reading
        surname = reading.surname_score > reading.first_score
        return Part(frozenset(roles), LAST if surname else FIRST)
    return Part(frozenset(roles), LAST if LAST in roles else FIRST)


def _latin(word: str) -> Part:
    # Latin words must be capitalized to be a name: "true", "admin" and "null" are not.
    roles = latin.roles(word) if word[:1].isupper() else frozenset()
    if not roles:
        return UNKNOWN if latin.unknown(word) and word[:1].isupper() else NOTHING
    if PATRONYMIC in roles:
        main = PATRONYMIC
    elif FIRST in roles and LAST in roles:
        # a census given name that is also a surname: the surname lists hold many given
        # names ("John", "James"), so the given name wins unless the ending says surname
        main = LAST if latin.surname_ending(word.lower()) else FIRST
    else:
        main = FIRST if FIRST in roles else LAST
    return Part(roles, main)


def words(value: str) -> list[tuple[str, int, int]]:
    """The words of a value with their offsets; initials keep their dots."""
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(value)]


_WORD = re.compile(r"(?:[^\W\d_]\.){1,2}(?![^\W\d_])|[^\W\d_]+(?:['’-][^\W\d_]+)*\.?")


def full_name_parts(parts: Sequence[Part], *, strict: bool) -> bool:
    """Whether 2-4 words together are a person's full name: a first name with a surname
    or a patronymic, a surname with a patronymic or initials. ``strict`` (free text) asks
    every word to be a name part; otherwise one unknown word may stand beside a first
    name and a surname-or-patronymic signal ("Иван Бекмуханбетов" is caught by the
    ending anyway; "John Zbrowski" by the given name)."""
    if not 2 <= len(parts) <= 4:
        return False
    mains = [p.main for p in parts]
    if any(m is None and not p.unknown for m, p in zip(mains, parts, strict=True)):
        return False  # a common word ("договор", "Period") is no part of a name
    unknown = mains.count(None)
    if unknown > 1:
        return False
    has = {role: mains.count(role) for role in (FIRST, LAST, PATRONYMIC, INITIAL)}
    if has[INITIAL]:
        return has[INITIAL] + has[LAST] == len(parts) and has[LAST] == 1
    if has[PATRONYMIC] > 1 or has[FIRST] > 2:
        return False
    if has[PATRONYMIC] and (has[FIRST] or has[LAST] or unknown):
        return True  # "Ерлан Серикович": a patronymic vouches for a name it follows
    # first + last; or two names where one could also be a surname ("Иван Роман")
    if has[FIRST] and has[LAST]:
        return True
    if has[FIRST] == 2 and any(LAST in p.roles for p in parts):
        return True
    # "Жумабаев Ерлан", "John Zbrowski": one unknown word beside a first name or surname
    return not strict and unknown == 1 and has[FIRST] + has[LAST] == 1 and len(parts) == 2
