"""Names written in Latin letters: English given names and surnames from the US
Census lists in data/, and Russian and Kazakh names transliterated ("Aleksandr",
"Yuliya", "Kuznetsova", "Nurlanovich"), read back into Cyrillic so that pymorphy3's
dictionary can judge them. No transliteration scheme is assumed: each ambiguous letter
group ("ts", "ia", "y", "kh", ...) is tried in its likely readings, a bounded number of
spellings in all."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path

from pdpipe.detectors import morph

_DATA = Path(__file__).parent / "data"

# Latin letter groups and the Cyrillic they may stand for, likeliest first; longest
# groups are tried first.
_GROUPS: dict[str, tuple[str, ...]] = {
    "shch": ("щ",), "sch": ("щ", "ш"), "zh": ("ж",), "kh": ("х",), "tch": ("ч",),
    "ts": ("ц", "тс"), "tc": ("ц",), "tz": ("ц",), "ch": ("ч",), "sh": ("ш",),
    "yu": ("ю",), "iu": ("ю", "иу"), "ju": ("ю",), "ya": ("я", "ья"), "ia": ("ия", "я", "иа"),
    "ja": ("я",), "yo": ("ё", "йо"), "jo": ("ё",), "ye": ("е", "ье"), "ie": ("ие", "ье"),
    "iy": ("ий",), "yi": ("ый", "ий"), "ii": ("ий", "ии"), "ey": ("ей",), "ay": ("ай",),
    "oy": ("ой",), "uy": ("уй",), "ai": ("ай", "аи"), "ei": ("ей", "еи"), "oi": ("ой", "ои"),
    "a": ("а",), "b": ("б",), "c": ("к", "ц"), "d": ("д",), "e": ("е", "э"), "f": ("ф",),
    "g": ("г",), "h": ("х",), "i": ("и", "й"), "j": ("й", "дж"), "k": ("к",), "l": ("л",),
    "m": ("м",), "n": ("н",), "o": ("о",), "p": ("п",), "q": ("к",), "r": ("р",),
    "s": ("с",), "t": ("т",), "u": ("у",), "v": ("в",), "w": ("в",), "x": ("кс",),
    "y": ("ы", "й", "и", "ий"), "z": ("з",), "'": ("ь",),
}  # fmt: skip
_LONGEST = max(len(g) for g in _GROUPS)
_MAX_SPELLINGS = 48

# English words that the census also lists as given names: in a value alone they are
# more often the word ("May", "Rose", "Paris") than a person.
_NOT_ALONE = frozenset(
    [
        "may",
        "june",
        "april",
        "august",
        "summer",
        "autumn",
        "winter",
        "dawn",
        "hope",
        "faith",
        "joy",
        "grace",
        "charity",
        "patience",
        "mercy",
        "honor",
        "love",
        "sunny",
        "sky",
        "star",
        "angel",
        "rose",
        "ruby",
        "pearl",
        "jade",
        "amber",
        "crystal",
        "ivy",
        "holly",
        "daisy",
        "lily",
        "iris",
        "violet",
        "hazel",
        "olive",
        "ginger",
        "coral",
        "jewel",
        "gay",
        "guy",
        "will",
        "bill",
        "mark",
        "frank",
        "art",
        "rich",
        "ray",
        "jack",
        "max",
        "sandy",
        "rusty",
        "dusty",
        "buddy",
        "chance",
        "chase",
        "hunter",
        "major",
        "king",
        "prince",
        "earl",
        "baron",
        "duke",
        "deacon",
        "carter",
        "cash",
        "page",
        "price",
        "sale",
        "sterling",
        "robin",
        "wren",
        "drew",
        "pat",
        "don",
        "sue",
        "gene",
        "harmony",
        "melody",
        "destiny",
        "trinity",
        "unity",
        "precious",
        "miracle",
        "genesis",
        "heaven",
        "essence",
        "serenity",
        "cherry",
        "candy",
        "brandy",
        "sherry",
        "champagne",
        "china",
        "asia",
        "india",
        "georgia",
        "virginia",
        "carolina",
        "dakota",
        "paris",
        "austin",
        "dallas",
        "houston",
        "florence",
        "sydney",
        "camden",
        "chelsea",
        "brooklyn",
        "kenya",
        "america",
        "london",
        "lincoln",
        "jordan",
        "berry",
        "ash",
        "bay",
        "blue",
        "brown",
        "green",
        "gray",
        "grey",
        "red",
        "young",
        "long",
        "short",
        "see",
        "son",
        "ben",
        "lee",
        "bo",
        "sam",
        "ali",
        "tom",
        "tony",
        "miles",
        "rock",
        "rocky",
        "stone",
        "ocean",
        "river",
        "rain",
        "storm",
        "sage",
        "autumn",
    ]
)


def _words(name: str) -> frozenset[str]:
    text = (_DATA / name).read_text(encoding="utf-8")
    return frozenset(w for w in text.split() if not w.startswith("#") and len(w) > 2)


@cache
def given_names() -> frozenset[str]:
    return _words("given_names_en.txt")


@cache
def surnames() -> frozenset[str]:
    return _words("surnames_en.txt")


def cyrillic_spellings(word: str) -> list[str]:
    """Up to _MAX_SPELLINGS Cyrillic readings of a lower-case Latin word, longest letter
    groups and likeliest readings first ("yuliya": "юлия" before "ыулийа")."""
    return _spellings(word, 0)[:_MAX_SPELLINGS] if word.isascii() else []


@lru_cache(maxsize=4096)
def _spellings(word: str, at: int) -> list[str]:
    if at == len(word):
        return [""]
    found: list[str] = []
    for size in range(min(_LONGEST, len(word) - at), 0, -1):
        for option in _GROUPS.get(word[at : at + size], ()):
            for rest in _spellings(word, at + size):
                found.append(option + rest)
                if len(found) >= _MAX_SPELLINGS:
                    return found
    return found


_SURNAME_END = re.compile(
    r"(?:ov|ev|yov|ova|eva|yova|sky|skiy|skii|skij|skaya|skaia|tsky|tskiy|tskaya|enko"
    r"|chuk|yuk|iuk|dze|shvili|yan|yants|bayev|baev|bekov|bekova|baeva|bayeva)$"
)
_PATRONYMIC_END = re.compile(r"(?:ovich|evich|yevich|ovna|evna|yevna|ichna|uly|kyzy|qyzy)$")


@lru_cache(maxsize=262_144)
def roles(word: str) -> frozenset[str]:
    """The name roles of one Latin word (any case)."""
    lower = word.lower()
    found: set[str] = set()
    if lower in given_names() and lower not in _NOT_ALONE:
        found.add(morph.FIRST)
    if lower in surnames():
        found.add(morph.LAST)
    for spelling in cyrillic_spellings(lower):
        reading = morph.read(spelling)
        if reading.other_score > reading.name_score:
            break  # a common word ("протеин", "логин"): no name
        if reading.nominative:  # Latin names are not declined: nominative readings only
            found |= reading.nominative
            break
    if not found and len(lower) >= 5 and _SURNAME_END.search(lower):
        found.add(morph.LAST)  # "Khabarov": a transliterated surname by its ending
    if len(lower) >= 6 and _PATRONYMIC_END.search(lower):
        found.add(morph.PATRONYMIC)
    return frozenset(found)


@lru_cache(maxsize=65_536)
def unknown(word: str) -> bool:
    """Whether no list and no transliterated reading knows the word as anything."""
    lower = word.lower()
    if lower in given_names() or lower in surnames():
        return False
    return not any(morph.read(s).known for s in cyrillic_spellings(lower)[:8])


def surname_ending(word: str) -> bool:
    """Whether a lower-case Latin word ends like a Slavic or Kazakh surname."""
    return len(word) >= 5 and _SURNAME_END.search(word) is not None


def given_name_anywhere(word: str) -> bool:
    """A census given name, the common-word ones included: beside a surname "Grace
    Ivanova" or "Mark Smith" is a person."""
    return word.lower() in given_names()
