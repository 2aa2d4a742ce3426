"""Name pools, built once from Faker's locale data and the Kazakh lists.

Generation never calls Faker per row: it samples indices into these pools with numpy.
Each pool keeps a Latin spelling next to the display form so e-mail addresses can be
composed from the same sampled indices.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from faker.providers.person.en_US import Provider as EnglishNames
from faker.providers.person.ru_RU import Provider as RussianNames

from pdpipe.demo import kazakh_names
from pdpipe.demo.vector import STR, Bools, Floats, Strings, strings

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u",
    "һ": "h", "і": "i",
}  # fmt: skip

# Faker's ru_RU first names are an alphabetical list full of rare old names; these common
# ones get most of the weight so the demo looks like a real customer base.
_COMMON_RU_MALE = frozenset(
    [
        "Александр",
        "Сергей",
        "Дмитрий",
        "Андрей",
        "Алексей",
        "Максим",
        "Евгений",
        "Иван",
        "Михаил",
        "Артем",
        "Николай",
        "Владимир",
        "Павел",
        "Роман",
        "Денис",
        "Игорь",
        "Олег",
        "Виктор",
        "Юрий",
        "Константин",
        "Антон",
        "Кирилл",
        "Никита",
        "Илья",
        "Егор",
        "Вадим",
        "Василий",
        "Анатолий",
        "Тимур",
        "Руслан",
        "Станислав",
        "Григорий",
    ]
)
_COMMON_RU_FEMALE = frozenset(
    [
        "Анна",
        "Мария",
        "Елена",
        "Ольга",
        "Наталья",
        "Екатерина",
        "Татьяна",
        "Ирина",
        "Светлана",
        "Юлия",
        "Анастасия",
        "Марина",
        "Дарья",
        "Евгения",
        "Ксения",
        "Виктория",
        "Людмила",
        "Валентина",
        "Галина",
        "Алина",
        "Полина",
        "София",
        "Вера",
        "Надежда",
        "Кристина",
        "Оксана",
        "Лариса",
    ]
)
_COMMON_PATRONYMIC_STEMS = [
    "Александров",
    "Сергеев",
    "Дмитриев",
    "Андреев",
    "Алексеев",
    "Владимиров",
    "Николаев",
    "Иванов",
    "Михайлов",
    "Викторов",
    "Юрьев",
    "Петров",
    "Евгеньев",
    "Анатольев",
    "Васильев",
    "Олегов",
    "Игорев",
    "Валерьев",
    "Геннадьев",
    "Борисов",
    "Павлов",
    "Юрьев",
]
_COMMON_WEIGHT = 60.0


def transliterate(text: str) -> str:
    """Lowercase ASCII spelling for e-mail local parts ("Щукина" -> "shchukina")."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


@dataclass(frozen=True)
class Pool:
    """Names with their ASCII spelling and sampling weights."""

    names: Strings
    latin: Strings
    p: Floats

    @classmethod
    def of(cls, names: Iterable[str], weights: Sequence[float] | None = None) -> Pool:
        unique = list(dict.fromkeys(names))
        w = np.ones(len(unique)) if weights is None else np.asarray(weights, dtype=np.float64)
        if len(w) != len(unique):
            raise ValueError("one weight per distinct name")
        return cls(strings(unique), strings([transliterate(n) for n in unique]), w / w.sum())

    def draw(self, rng: np.random.Generator, n: int) -> tuple[Strings, Strings]:
        idx = rng.choice(len(self.p), size=n, p=self.p)
        return self.names[idx], self.latin[idx]


@dataclass(frozen=True)
class GenderedPool:
    male: Pool
    female: Pool

    def draw(self, rng: np.random.Generator, female: Bools) -> tuple[Strings, Strings]:
        """Names agreeing with each row's gender: (display forms, Latin spellings)."""
        names = np.full(len(female), "", dtype=STR)
        latin = np.full(len(female), "", dtype=STR)
        for pool, mask in ((self.male, ~female), (self.female, female)):
            names[mask], latin[mask] = pool.draw(rng, int(mask.sum()))
        return names, latin


@dataclass(frozen=True)
class Origin:
    """The name pools of one naming tradition; `patronymic` is None where there is none."""

    last: GenderedPool
    first: GenderedPool
    patronymic: GenderedPool | None


def _boosted(names: Sequence[str], common: Iterable[str]) -> Pool:
    unique = list(dict.fromkeys(names))
    favoured = set(common)
    weights = [_COMMON_WEIGHT if n in favoured else 1.0 for n in unique]
    return Pool.of(unique, weights)


def _boosted_patronymics(names: Sequence[str]) -> Pool:
    unique = list(dict.fromkeys(names))
    weights = [
        _COMMON_WEIGHT if n.startswith(tuple(_COMMON_PATRONYMIC_STEMS)) else 1.0 for n in unique
    ]
    return Pool.of(unique, weights)


def _zipf(names: Sequence[str]) -> Pool:
    # Faker lists Russian surnames by frequency (Смирнов, Иванов, Кузнецов, ...).
    unique = list(dict.fromkeys(names))
    return Pool.of(unique, [1.0 / (rank + 20) for rank in range(len(unique))])


def _russian() -> Origin:
    return Origin(
        last=GenderedPool(
            _zipf(RussianNames.last_names_male), _zipf(RussianNames.last_names_female)
        ),
        first=GenderedPool(
            _boosted(RussianNames.first_names_male, _COMMON_RU_MALE),
            _boosted(RussianNames.first_names_female, _COMMON_RU_FEMALE),
        ),
        patronymic=GenderedPool(
            _boosted_patronymics(RussianNames.middle_names_male),
            _boosted_patronymics(RussianNames.middle_names_female),
        ),
    )


def _kazakh() -> Origin:
    ru_male, ru_female = kazakh_names.RUSSIAN_STYLE
    kz_male, kz_female = kazakh_names.KAZAKH_STYLE
    fathers = kazakh_names.MALE_NAMES
    # Russian-style patronymics are still the more frequent in documents.
    style_weights = [0.6] * len(fathers) + [0.4] * len(fathers)
    return Origin(
        last=GenderedPool(
            Pool.of(m for m, _ in kazakh_names.SURNAMES),
            Pool.of(f for _, f in kazakh_names.SURNAMES),
        ),
        first=GenderedPool(Pool.of(kazakh_names.MALE_NAMES), Pool.of(kazakh_names.FEMALE_NAMES)),
        patronymic=GenderedPool(
            Pool.of([f + ru_male for f in fathers] + [f + kz_male for f in fathers], style_weights),
            Pool.of(
                [f + ru_female for f in fathers] + [f + kz_female for f in fathers], style_weights
            ),
        ),
    )


def _latin() -> Origin:
    def weighted(table: dict[str, float]) -> Pool:
        return Pool.of(table.keys(), list(table.values()))

    last = weighted(EnglishNames.last_names)
    return Origin(
        last=GenderedPool(last, last),
        first=GenderedPool(
            weighted(EnglishNames.first_names_male), weighted(EnglishNames.first_names_female)
        ),
        patronymic=None,
    )


@cache
def origins() -> tuple[Origin, Origin, Origin]:
    """(Russian, Kazakh, Latin-script) pools; index with `people.RUSSIAN` etc."""
    return _russian(), _kazakh(), _latin()
