"""People and their identifiers for the second labeled corpus (bench/corpus_schema.py):
Russian, Kazakh, English and transliterated Russian names, phones, e-mails, birth dates,
ИНН, СНИЛС, ИИН, passports, cards, addresses, IP addresses, in the shapes people type.

Faker (ru_RU, en_US) gives names, streets, cities and companies; Faker has no kk_KZ, so
Kazakh names come from the short lists below. Phones are drawn from real operator and
area codes (Faker's are random digits that no numbering plan issues), and ИИН is made by
the Kazakh rules, so every value labeled PD here is one a real record could hold.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from faker import Faker

RU, KZ, EN, TRANSLIT = "ru", "kz", "en", "translit"

_KZ_MALE = (
    "Нұрлан", "Ерлан", "Бауыржан", "Дәурен", "Қайрат", "Ғалым", "Мұхтар", "Асхат", "Талгат",
    "Серік", "Жандос", "Арман", "Ерболат", "Нұрсұлтан", "Айдос", "Бекзат", "Ержан", "Темірлан",
)  # fmt: skip
_KZ_FEMALE = (
    "Айгерім", "Әлия", "Сәуле", "Айгүл", "Жансая", "Динара", "Гүлнар", "Мадина", "Аружан",
    "Жібек", "Индира", "Ботагөз", "Асель", "Камила", "Назерке", "Салтанат", "Томирис",
)  # fmt: skip
_KZ_SURNAMES = (
    "Әбілов", "Нұрпейісов", "Құнанбаев", "Сәтбаев", "Жұмабеков", "Төлеуов", "Мұқанов",
    "Есімов", "Қасымов", "Бекенов", "Тоқаев", "Оразбаев", "Сейітов", "Ибраев", "Жақыпов",
    "Шәкенов", "Мырзахметов", "Әуезов", "Байғожин", "Смағұлов", "Ким", "Пак",
)  # fmt: skip
_KZ_FATHERS = ("Нұрлан", "Серік", "Ерлан", "Марат", "Болат", "Асқар", "Қанат", "Ержан")

# Operator and area codes in use (Rossvyaz's and Kazakhstan's numbering plans; NANPA).
_RU_MOBILE = (903, 905, 906, 909, 915, 916, 917, 921, 925, 926, 950, 960, 977, 985, 999)
_RU_CITY = (495, 499, 812, 383, 343, 843, 863, 846)
_KZ_MOBILE = (700, 701, 702, 705, 707, 708, 747, 771, 775, 776, 777, 778)
_KZ_CITY = (727, 717, 725, 721)  # Almaty; Astana, Shymkent, Karaganda: 7172, 7252, 7212
_US_AREA = (212, 213, 305, 312, 404, 415, 503, 512, 617, 646, 702, 718, 206, 303, 602)

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
}  # fmt: skip


@dataclass(frozen=True)
class Person:
    origin: str
    last: str
    first: str
    patronymic: str | None
    male: bool
    born: dt.date

    def full(self, style: int) -> str:
        """The name as a form or a clerk writes it: 0 "Фамилия Имя Отчество",
        1 "Имя Фамилия", 2 "Фамилия Имя", 3 "Фамилия И. О."."""
        middle = self.patronymic
        if style == 0 and middle:
            return f"{self.last} {self.first} {middle}"
        if style == 3:
            initials = f"{self.first[0]}." + (f" {middle[0]}." if middle else "")
            return f"{self.last} {initials}"
        if style == 2:
            return f"{self.last} {self.first}"
        return f"{self.first} {self.last}"


class Maker:
    """Seeded makers of people and of the values a record about them holds."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.ru = Faker("ru_RU")
        self.en = Faker("en_US")
        self.ru.seed_instance(seed)
        self.en.seed_instance(seed + 1)

    # -- people ------------------------------------------------------------------------

    def person(self, origin: str) -> Person:
        male = self.rng.random() < 0.5
        born = dt.date(1950, 1, 1) + dt.timedelta(days=self.rng.randrange(0, 365 * 55))
        if origin == KZ:
            first = self.rng.choice(_KZ_MALE if male else _KZ_FEMALE)
            last = self.rng.choice(_KZ_SURNAMES)
            if not male and last.endswith(("ов", "ев", "ин")):
                last += "а"
            father = self.rng.choice(_KZ_FATHERS)
            kazakh_style = self.rng.random() < 0.5
            if kazakh_style:
                patronymic = father + ("ұлы" if male else "қызы")
            else:
                patronymic = father + ("ович" if male else "овна")
            return Person(KZ, last, first, patronymic, male, born)
        if origin == EN:
            first = self.en.first_name_male() if male else self.en.first_name_female()
            return Person(EN, self.en.last_name(), first, None, male, born)
        faker = self.ru
        person = Person(
            RU,
            faker.last_name_male() if male else faker.last_name_female(),
            faker.first_name_male() if male else faker.first_name_female(),
            faker.middle_name_male() if male else faker.middle_name_female(),
            male,
            born,
        )
        if origin == TRANSLIT:
            return Person(
                TRANSLIT,
                translit(person.last),
                translit(person.first),
                translit(person.patronymic or ""),
                male,
                born,
            )
        return person

    # -- contacts ----------------------------------------------------------------------

    def phone(self, country: str) -> str:
        """A valid number in one of the shapes people type it."""
        rng = self.rng
        if country == "us":
            area, exchange, line = rng.choice(_US_AREA), rng.randint(201, 998), rng.randint(0, 9999)
            return rng.choice(
                [
                    f"+1 ({area}) {exchange}-{line:04d}",
                    f"+1 {area}-{exchange}-{line:04d}",
                    f"+1{area}{exchange}{line:04d}",
                    f"+1 {area} {exchange} {line:04d}",
                ]
            )
        if country == "kz":
            city = rng.random() < 0.2
            code = str(rng.choice(_KZ_CITY if city else _KZ_MOBILE))
        else:
            city = rng.random() < 0.2
            code = str(rng.choice(_RU_CITY if city else _RU_MOBILE))
        # A Kazakh city number goes on with the rest of its city's code ("7172" Astana).
        first = "2" if city and country == "kz" else str(rng.randint(2, 9))
        n = f"{first}{rng.randint(0, 999_999):06d}"
        a, b, c = n[:3], n[3:5], n[5:]
        shapes = [
            f"+7 ({code}) {a}-{b}-{c}",
            f"+7 {code} {a}-{b}-{c}",
            f"8 {code} {a} {b} {c}",
            f"8{code}{n}",
            f"+7{code}{n}",
            f"8 ({code}) {a}-{b}-{c}",
            f"7-{code}-{a}-{b}-{c}",
            f"+7 {code} {n}",
        ]
        return rng.choice(shapes)

    def email(self, person: Person) -> str:
        rng = self.rng
        first, last = translit(person.first).lower(), translit(person.last).lower()
        user = rng.choice(
            [
                f"{first}.{last}",
                f"{last}{rng.randint(1, 99)}",
                f"{first[0]}.{last}",
                f"{first}_{person.born.year}",
                self.en.user_name(),
            ]
        )
        domain = rng.choice(
            ["mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.kz", "outlook.com", "list.ru"]
        )
        text = f"{user}@{domain}"
        return text.upper() if rng.random() < 0.03 else text

    def birth_date(self, person: Person, style: str) -> str:
        d = person.born
        months = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                  "сентября", "октября", "ноября", "декабря")  # fmt: skip
        return {
            "ru": f"{d:%d.%m.%Y}",
            "iso": d.isoformat(),
            "us": f"{d:%m/%d/%Y}",
            "words": f"{d.day} {months[d.month - 1]} {d.year} г.",
        }[style]

    # -- identifiers -------------------------------------------------------------------

    def inn(self) -> str:
        """A person's ИНН: 12 digits (Faker computes the check digits)."""
        return str(self.ru.individuals_inn())

    def snils(self) -> str:
        digits = str(self.ru.snils())
        if self.rng.random() < 0.6:
            return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"
        return digits

    def passport(self, bare: bool) -> str:
        """A series (region code, the blank's year) and a number. Faker's series draws
        years no blank was printed in (40-96), so it is made here."""
        rng = self.rng
        region = rng.choice([1, 4, 5, 7, 11, 20, 36, 40, 45, 46, 50, 52, 60, 63, 65, 71, 75, 92])
        year = rng.choice([97, 98, 99, *range(0, 25)])
        series, number = f"{region:02d}{year:02d}", f"{rng.randrange(10**6):06d}"
        if bare:
            return series + number
        spaced = f"{series[:2]} {series[2:]}"
        return rng.choice([f"{spaced} {number}", f"{series} {number}", f"{series} № {number}"])

    def iin(self, person: Person) -> str:
        """ИИН: birth date, century-and-sex digit, serial, check digit (decree No. 565)."""
        century = 3 if person.born.year < 2000 else 5
        while True:
            head = f"{person.born:%y%m%d}{century + (0 if person.male else 1)}"
            head += f"{self.rng.randint(0, 9999):04d}"
            for weights in (range(1, 12), (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)):
                check = sum(int(d) * w for d, w in zip(head, weights, strict=True)) % 11
                if check != 10:
                    return head + str(check)

    def card(self) -> str:
        rng = self.rng
        if rng.random() < 0.3:  # Mir, which Faker does not issue
            body = f"220{rng.randint(0, 4)}" + "".join(str(rng.randint(0, 9)) for _ in range(11))
            number = body + _luhn_digit(body)
        else:
            number = str(self.en.credit_card_number())
        if len(number) == 16 and rng.random() < 0.5:
            return " ".join(number[i : i + 4] for i in range(0, 16, 4))
        return number

    def ip(self) -> str:
        if self.rng.random() < 0.15:
            return str(self.en.ipv6())
        return str(self.en.ipv4_public())

    # -- addresses ---------------------------------------------------------------------

    def address(self, country: str) -> str:
        rng = self.rng
        if country == "us":
            street = str(self.en.street_address())
            if rng.random() < 0.5:
                return f"{street}, {self.en.city()}, {self.en.state_abbr()} {self.en.zipcode()}"
            return street
        if country == "kz":
            city = rng.choice(["Алматы", "Астана", "Шымкент", "Караганда", "Актобе"])
            street = rng.choice(["Абая", "Сейфуллина", "Жандосова", "Тимирязева", "Розыбакиева"])
            house, flat = rng.randint(1, 250), rng.randint(1, 300)
            return rng.choice(
                [
                    f"г. {city}, пр. {street}, д. {house}, кв. {flat}",
                    f"{street} даңғылы, {house}",
                    f"г. {city}, мкр. Самал-{rng.randint(1, 3)}, д. {house}, кв. {flat}",
                    f"{city}, ул. {street} {house}",
                ]
            )
        text = str(self.ru.address())
        if rng.random() < 0.3:
            text += f", кв. {rng.randint(1, 400)}"
        return text


def translit(word: str) -> str:
    """Russian in Latin letters, as a passport office writes it ("Юлия" -> "Yuliya")."""
    out = "".join(_TRANSLIT.get(c.lower(), c) for c in word)
    return out[:1].upper() + out[1:] if word[:1].isupper() else out


def _luhn_digit(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        d = int(char)
        if position % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)
