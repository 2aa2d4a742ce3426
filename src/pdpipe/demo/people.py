"""The demo's data subjects, generated a chunk at a time with numpy.

Everything a store needs to know about a person (names agreeing in gender, a unique
e-mail address, a primary phone, a city, which stores they appear in) is decided here once,
so the same person looks the same in the mailing list and in the CRM.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
from faker.providers.internet.ru_RU import Provider as RussianInternet

from pdpipe.demo import content, phones
from pdpipe.demo.pools import origins
from pdpipe.demo.vector import (
    STR,
    Bools,
    Floats,
    Ints,
    Strings,
    cat,
    choose,
    fill,
    numbers,
    strings,
)

RUSSIAN, KAZAKH, LATIN = 0, 1, 2
_ORIGIN_WEIGHTS = (0.65, 0.25, 0.10)
_NO_PATRONYMIC = (0.04, 0.10, 1.0)  # share of people without one, per origin
_KAZAKH_PHONE = (0.40, 0.85, 0.50)  # share with a Kazakh operator code, per origin

# Who is where: 30% in both stores, 50% only in the mailing list, 20% only in the CRM.
_BOTH, _MAILING_ONLY = 0.30, 0.50

_EXTRA_DOMAINS = ("inbox.ru", "list.ru", "bk.ru", "yandex.kz")
_DOMAIN_WEIGHTS = {
    "mail.ru": 0.28,
    "gmail.com": 0.22,
    "yandex.ru": 0.16,
    "yandex.kz": 0.08,
    "inbox.ru": 0.05,
    "list.ru": 0.05,
    "bk.ru": 0.05,
    "rambler.ru": 0.04,
}
_LATIN_DOMAIN_WEIGHTS = {"gmail.com": 0.6, "yahoo.com": 0.15, "hotmail.com": 0.1, "mail.ru": 0.1}
_OTHER_DOMAIN_WEIGHT = 0.01

# Local-part shapes: first.last, last.first, f.last, first_last, firstlast, last, first.
_LOCAL_WEIGHTS = (0.25, 0.12, 0.15, 0.10, 0.13, 0.15, 0.10)
_PLAIN_SHARE = 0.4  # addresses without digits, when still free
_DIGITS_FACTOR = 7919  # prime, so coprime with every power of ten


def _domains() -> tuple[Strings, Floats, Floats]:
    names = list(dict.fromkeys([*RussianInternet.free_email_domains, *_EXTRA_DOMAINS]))

    def weights(table: dict[str, float]) -> Floats:
        w = np.array([float(table.get(d, _OTHER_DOMAIN_WEIGHT)) for d in names])
        normalised: Floats = w / w.sum()
        return normalised

    return strings(names), weights(_DOMAIN_WEIGHTS), weights(_LATIN_DOMAIN_WEIGHTS)


DOMAINS, _DOMAIN_P, _LATIN_DOMAIN_P = _domains()


@dataclass(frozen=True)
class People:
    """One chunk of people; every field is an array with one element per person."""

    index: Ints  # 0-based position among all subjects: fixes identity and arrival order
    arrival: Floats  # in [0, 1): when the person first turned up, as a share of the period
    origin: Ints
    female: Bools
    last_name: Strings
    first_name: Strings
    patronymic: Strings  # "" where has_patronymic is False
    has_patronymic: Bools
    email: Strings
    phone_code: Ints
    phone_number: Ints
    city: Ints  # index into content.CITIES
    in_mailing: Bools
    in_crm: Bools

    def __len__(self) -> int:
        return len(self.index)

    def take(self, mask: Bools) -> People:
        return People(**{f.name: getattr(self, f.name)[mask] for f in dataclasses.fields(self)})


class EmailBook:
    """Remembers the digit-free addresses handed out, so no two people share one.

    Addresses ending in digits need no memory: their digits are a bijection of the person's
    index, and a digit-free address can never equal one that ends in a digit. Only 64-bit
    hashes are kept, a few megabytes for a million people.
    """

    def __init__(self) -> None:
        self._taken = np.empty(0, dtype=np.uint64)

    def claim(self, candidates: Strings) -> Bools:
        """Which candidates are free (first occurrence wins); marks those as taken."""
        hashes = pd.util.hash_array(candidates.astype(object))
        first = np.zeros(len(hashes), dtype=bool)
        first[np.unique(hashes, return_index=True)[1]] = True
        free = first & ~np.isin(hashes, self._taken)
        self._taken = np.union1d(self._taken, hashes[free])
        return free


def generate(
    rng: np.random.Generator, start: int, stop: int, subjects: int, book: EmailBook
) -> People:
    """People number `start` to `stop - 1` out of `subjects`."""
    n = stop - start
    index = np.arange(start, stop, dtype=np.int64)
    origin = choose(rng, n, _ORIGIN_WEIGHTS)
    female = rng.random(n) < 0.5

    last, first, patronymic = fill(n), fill(n), fill(n)
    last_latin, first_latin = fill(n), fill(n)
    has_patronymic = np.zeros(n, dtype=bool)
    for code, pools in enumerate(origins()):
        mask = origin == code
        sub_female = female[mask]
        last[mask], last_latin[mask] = pools.last.draw(rng, sub_female)
        first[mask], first_latin[mask] = pools.first.draw(rng, sub_female)
        if pools.patronymic is not None:
            names, _ = pools.patronymic.draw(rng, sub_female)
            keep = rng.random(len(names)) >= _NO_PATRONYMIC[code]
            patronymic[mask] = np.where(keep, names, "")
            has_patronymic[mask] = keep

    kazakh_phone = rng.random(n) < np.take(_KAZAKH_PHONE, origin)
    city_weights = (
        [c[1] for c in content.CITIES],
        [c[2] for c in content.CITIES],
        [c[1] for c in content.CITIES],
    )
    city = np.zeros(n, dtype=np.int64)
    for code, weights in enumerate(city_weights):
        mask = origin == code
        city[mask] = choose(rng, int(mask.sum()), weights)

    place = rng.random(n)
    email = _emails(rng, index, origin, first_latin, last_latin, subjects, book)
    return People(
        index=index,
        arrival=(index + rng.random(n)) / subjects,
        origin=origin,
        female=female,
        last_name=last,
        first_name=first,
        patronymic=patronymic,
        has_patronymic=has_patronymic,
        email=email,
        phone_code=phones.draw_codes(rng, kazakh_phone),
        phone_number=phones.draw_subscriber_numbers(rng, n),
        city=city,
        in_mailing=place < _BOTH + _MAILING_ONLY,
        in_crm=(place < _BOTH) | (place >= _BOTH + _MAILING_ONLY),
    )


def _emails(
    rng: np.random.Generator,
    index: Ints,
    origin: Ints,
    first: Strings,
    last: Strings,
    subjects: int,
    book: EmailBook,
) -> Strings:
    n = len(index)
    shape = choose(rng, n, _LOCAL_WEIGHTS)
    initial = np.strings.slice(first, 0, 1)
    local = fill(n)
    shapes = (
        (first, ".", last),
        (last, ".", first),
        (initial, ".", last),
        (first, "_", last),
        (first, last),
        (last,),
        (first,),
    )
    for i, parts in enumerate(shapes):
        mask = shape == i
        local[mask] = cat(*(p if isinstance(p, str) else p[mask] for p in parts))

    domain = fill(n)
    latin = origin == LATIN
    domain[~latin] = DOMAINS[rng.choice(len(DOMAINS), size=int((~latin).sum()), p=_DOMAIN_P)]
    domain[latin] = DOMAINS[rng.choice(len(DOMAINS), size=int(latin.sum()), p=_LATIN_DOMAIN_P)]

    modulus = 10 ** max(3, len(str(subjects)))
    digits = numbers((index * _DIGITS_FACTOR + modulus // 7) % modulus)
    numbered = cat(local, digits, "@", domain)

    plain = rng.random(n) < _PLAIN_SHARE
    email = numbered.astype(STR)
    if plain.any():
        wanted = cat(local[plain], "@", domain[plain])
        free = book.claim(wanted)
        chosen = np.flatnonzero(plain)[free]
        email[chosen] = wanted[free]
    return email
