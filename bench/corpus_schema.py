"""A second labeled schema, for measuring discovery at column level: a shop's database
that is not the demo's, with its ground truth.

Tables of a Russian-Kazakh online shop and its English storefront: customers named in
Russian transliteration (`klienty`: familiya, imya, otchestvo, tel, eml …), in English
with abbreviations (`customers`: fn, ln, ph, dob, addr …) and a Kazakh register
(`abonenty`: fio, iin, pochta …); orders, payments, products, support tickets with
free text that embeds phones, e-mails, names and cards, web sessions; JSON columns with
nested keys. Beside the PD, many columns that tempt a detector and are not PD: amounts,
10-digit order numbers, EAN-13 barcodes, SKUs, UUIDs, cities, companies, brands, status
enums, timestamps, tracking codes, IBANs, years, postcodes, version strings.

    corpus = generate(rows=2000, seed=22)
    load(corpus, "postgresql+psycopg://…")       # SQLAlchemy Core; SQLite, PostgreSQL, MariaDB
    corpus.truth[("klienty", "tel")]             # frozenset({"phone"})
    corpus.truth[("klienty", "anketa.deti[].dr")]  # a key path inside a JSON column

The truth holds every place a scan samples (each column; for a JSON column each key
path instead), with the set of PD categories the generator put there (empty for none).
It is written beside each column's maker below, never derived from a scan. Free text is
labeled with the categories planted in it, each in enough rows to be found in a sample.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from bench.corpus_people import EN, KZ, RU, TRANSLIT, Maker, Person
from pdpipe.stores.drivers import plain_engine

Place = tuple[str, str]  # table, column or JSON key path
Make = Callable[["Row"], Any]

EMAIL, PHONE, FIRST, LAST = "email", "phone", "first_name", "last_name"
PATRONYMIC, FULL, BIRTH, IP = "patronymic", "full_name", "birth_date", "ip_address"
INN, SNILS, IIN, PASSPORT, CARD, ADDRESS = "inn", "snils", "iin", "passport", "bank_card", "address"

_MYSQL: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_unicode_ci"}
_EPOCH = dt.datetime(2024, 1, 1)


@dataclass
class Row:
    """What one row's makers share: its number, a person, the maker of values."""

    index: int
    person: Person
    make: Maker

    @property
    def rng(self) -> random.Random:
        return self.make.rng

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, *options: Any) -> Any:
        return self.rng.choice(options)

    def instant(self, days: int = 700) -> dt.datetime:
        return _EPOCH + dt.timedelta(seconds=self.rng.randrange(0, days * 86_400))


@dataclass(frozen=True)
class Column:
    name: str
    type: sa.types.TypeEngine[Any]
    make: Make
    labels: frozenset[str] = frozenset()
    # A JSON column: its key paths and their categories (the column itself is not a place)
    paths: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class TableSpec:
    name: str
    origin: str | Callable[[random.Random], str]  # whose records the rows are
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Corpus:
    metadata: sa.MetaData
    rows: dict[str, list[dict[str, Any]]]
    truth: dict[Place, frozenset[str]]

    def categories(self) -> list[str]:
        return sorted(set().union(*self.truth.values()))


def col(name: str, kind: sa.types.TypeEngine[Any], make: Make, *labels: str) -> Column:
    return Column(name, kind, make, frozenset(labels))


def _text(n: int = 255) -> sa.types.TypeEngine[Any]:
    return sa.String(n)


# -- free text -------------------------------------------------------------------------

_ORDER_BASE = 4_100_000_000  # 10-digit order numbers, as many shops number them

_TICKETS_PLAIN = (
    "Заказ №{order} не доставлен, трек {track} не обновляется третий день.",
    "Здравствуйте! Пришёл не тот размер, прошу оформить обмен по заказу {order}.",
    "Товар {sku} пришёл с повреждённой упаковкой, фото приложил к обращению.",
    "Оплатил {amount} руб., но статус заказа {order} всё ещё «ожидает оплаты».",
    "Когда будет поступление артикула {sku}? Жду с {day}.",
    "Верните деньги за заказ {order}, курьер так и не приехал до 18:00.",
    "Hello, my order {order} arrived damaged, the tracking code was {track}.",
    "Can you check the refund of {amount} USD for order {order}? Thanks.",
    "Промокод SALE{year} не применился к заказу {order}, сумма {amount}.",
)
_TICKET_PHONE = (
    "Перезвоните мне, пожалуйста, по номеру {phone}, по заказу {order}.",
    "Курьер не дозвонился, мой актуальный телефон {phone}.",
    "Please call me back at {phone} about order {order}.",
)
_TICKET_EMAIL = (
    "Чек по заказу {order} пришлите на {email}, пожалуйста.",
    "Send the invoice to {email}, not to the old address.",
)
_TICKET_NAME = (
    "Получать заказ {order} будет {name}, паспорт при себе.",
    "Меня зовут {name}, прошу связаться по поводу возврата.",
)
_TICKET_CARD = ("Деньги списали дважды с карты {card}, заказ {order}.",)

_COMMENTS_PLAIN = (
    "Оставить у двери, в домофон не звонить.",
    "Доставка после 18:00, до этого никого нет дома.",
    "Упакуйте, пожалуйста, как подарок без чека.",
    "Позвоните за час до приезда курьера.",
    "Привезти вместе с заказом {order}, одной посылкой.",
    "Leave the parcel with the concierge, please.",
)
_COMMENTS_PHONE = (
    "Звонить на второй номер {phone}, основной не отвечает.",
    "Перед приездом набрать {phone}, шлагбаум откроют.",
)
_COMMENTS_ADDRESS = ("Доставить на другой адрес: {address}.",)


def _fill(row: Row, template: str) -> str:
    make = row.make
    values = {
        "order": str(_ORDER_BASE + row.rng.randrange(0, 900_000)),
        "track": f"RA{row.rng.randrange(10**8, 10**9)}RU",
        "sku": f"SKU-{row.rng.randrange(10_000, 99_999)}",
        "amount": f"{row.rng.randrange(300, 90_000)},{row.rng.randrange(0, 99):02d}",
        "day": f"{row.rng.randint(1, 28):02d}.{row.rng.randint(1, 12):02d}.2025",
        "year": str(row.rng.randint(2022, 2026)),
        "phone": make.phone("us" if row.person.origin == EN else row.pick("ru", "kz")),
        "email": make.email(row.person),
        "name": row.person.full(row.rng.choice((0, 1, 2))),
        "card": make.card(),
        "address": make.address(row.pick("ru", "kz")),
    }
    return template.format(**values)


def _prose(*kinds: tuple[float, tuple[str, ...]], plain: tuple[str, ...]) -> Make:
    """Free text: each kind of template with its probability, else a plain one."""

    def make(row: Row) -> str:
        draw = row.rng.random()
        for probability, templates in kinds:
            if draw < probability:
                return _fill(row, row.rng.choice(templates))
            draw -= probability
        return _fill(row, row.rng.choice(plain))

    return make


# -- tables ----------------------------------------------------------------------------


def _anketa(row: Row) -> dict[str, Any]:
    """A customer questionnaire as a form library stores it (transliterated keys)."""
    kids = [
        {"imya": row.make.person(RU).first, "dr": f"{row.make.person(RU).born:%Y-%m-%d}"}
        for _ in range(row.rng.choice((0, 0, 1, 2)))
    ]
    found: dict[str, Any] = {
        "kontakty": {"ph": row.make.phone("ru"), "pochta": row.make.email(row.person)},
        "dostavka": {
            "addr": row.make.address("ru"),
            "zip": f"{row.rng.randrange(100_000, 700_000)}",
            "interval": row.pick("9-12", "12-15", "15-18", "18-21"),
        },
        "prefs": {"lang": row.pick("ru", "kk", "en"), "rassylka": row.chance(0.6)},
        "istochnik": row.pick("yandex", "vk", "telegram", "offline", "friend"),
    }
    if kids:
        found["deti"] = kids
    return found


_ANKETA_PATHS = {
    "anketa.kontakty.ph": frozenset({PHONE}),
    "anketa.kontakty.pochta": frozenset({EMAIL}),
    "anketa.dostavka.addr": frozenset({ADDRESS}),
    "anketa.dostavka.zip": frozenset(),
    "anketa.dostavka.interval": frozenset(),
    "anketa.prefs.lang": frozenset(),
    "anketa.prefs.rassylka": frozenset(),
    "anketa.istochnik": frozenset(),
    "anketa.deti[].imya": frozenset({FIRST}),
    "anketa.deti[].dr": frozenset({BIRTH}),
}


def _profile(row: Row) -> dict[str, Any]:
    """An English storefront's profile document."""
    return {
        "contact": {
            "firstName": row.person.first,
            "lastName": row.person.last,
            "phone": row.make.phone("us"),
            "email": row.make.email(row.person),
        },
        "social": {"twitter": f"@{row.make.en.user_name()}"},
        "marketing": {
            "utm_campaign": row.pick("spring_sale", "bf2025", "newsletter", "retarget"),
            "score": round(row.rng.random() * 100, 1),
        },
        "shipping": {"line1": row.make.address("us"), "country": "US"},
    }


_PROFILE_PATHS = {
    "profile.contact.firstName": frozenset({FIRST}),
    "profile.contact.lastName": frozenset({LAST}),
    "profile.contact.phone": frozenset({PHONE}),
    "profile.contact.email": frozenset({EMAIL}),
    "profile.social.twitter": frozenset(),
    "profile.marketing.utm_campaign": frozenset(),
    "profile.marketing.score": frozenset(),
    "profile.shipping.line1": frozenset({ADDRESS}),
    "profile.shipping.country": frozenset(),
}


# The largest cities first, as customers are spread; some are also surnames or names.
def _geo(row: Row) -> dict[str, Any]:
    """Where a session came from, as a geo-IP service tells it: no person's."""
    return {
        "lat": round(row.rng.uniform(41, 70), 4),
        "lon": round(row.rng.uniform(20, 90), 4),
        "city": row.pick("Москва", "Алматы", "Астана", "Казань", "Berlin", "Austin"),
        "asn": row.rng.randrange(1000, 65000),
    }


_GEO_PATHS: dict[str, frozenset[str]] = {
    p: frozenset() for p in ("geo.lat", "geo.lon", "geo.city", "geo.asn")
}

_CITIES_RU = ("Москва", "Москва", "Москва", "Санкт-Петербург", "Санкт-Петербург",
              "Новосибирск", "Екатеринбург", "Казань", "Нижний Новгород", "Челябинск",
              "Красноярск", "Самара", "Уфа", "Ростов-на-Дону", "Омск", "Краснодар", "Воронеж",
              "Пермь", "Волгоград", "Тула", "Киров", "Владимир", "Королёв", "Пушкин", "Чехов",
              "Жуковский", "Тверь", "Калуга", "Ярославль", "Иваново")  # fmt: skip
_BRANDS = ("Scarlett", "Redmond", "Braun", "Polaris", "Vitek", "Bosch", "Tefal", "Philips",
           "Samsung", "Xiaomi", "Marta", "Galaxy", "Oursson", "Kitfort", "Gorenje")  # fmt: skip
_PRODUCTS = ("Чайник электрический", "Фен", "Пылесос", "Утюг", "Мультиварка", "Блендер",
             "Кофеварка", "Миксер", "Тостер", "Электробритва")  # fmt: skip


def _tables() -> tuple[TableSpec, ...]:
    def ru_or_kz(rng: random.Random) -> str:
        return KZ if rng.random() < 0.25 else RU

    def en_or_translit(rng: random.Random) -> str:
        return TRANSLIT if rng.random() < 0.25 else EN

    klienty = TableSpec(
        "klienty",
        ru_or_kz,
        (
            col("id", sa.Integer(), lambda r: r.index + 1),
            col("familiya", _text(100), lambda r: r.person.last, LAST),
            col("imya", _text(100), lambda r: r.person.first, FIRST),
            col("otchestvo", _text(100), lambda r: r.person.patronymic, PATRONYMIC),
            col("tel", _text(32), lambda r: r.make.phone(r.pick("ru", "kz")), PHONE),
            col(
                "tel_dop",
                _text(32),
                lambda r: f"9{r.rng.randrange(10**8, 10**9)}" if r.chance(0.4) else None,
                PHONE,
            ),
            col("eml", _text(), lambda r: r.make.email(r.person), EMAIL),
            col("data_rozhdeniya", sa.Date(), lambda r: r.person.born, BIRTH),
            col("inn", _text(12), lambda r: r.make.inn(), INN),
            col("snils", _text(14), lambda r: r.make.snils(), SNILS),
            col("pasport", _text(20), lambda r: r.make.passport(r.chance(0.3)), PASSPORT),
            col("adres", _text(300), lambda r: r.make.address("ru"), ADDRESS),
            col("gorod", _text(100), lambda r: r.pick(*_CITIES_RU)),
            col("indeks", _text(6), lambda r: f"{r.rng.randrange(100_000, 700_000)}"),
            col("status", _text(20), lambda r: r.pick("aktivnyi", "zablokirovan", "novyi")),
            col("segment", _text(20), lambda r: r.pick("VIP", "obychnyi", "opt")),
            col("bonusy", sa.Numeric(12, 2), lambda r: round(r.rng.random() * 5000, 2)),
            col("god_registratsii", sa.Integer(), lambda r: r.rng.randint(2012, 2025)),
            col("vozrast", sa.Integer(), lambda r: 2025 - r.person.born.year),
            col("ip_registratsii", _text(45), lambda r: r.make.ip(), IP),
            col("created_at", sa.DateTime(), lambda r: r.instant()),
            Column("anketa", sa.JSON(), _anketa, paths=_ANKETA_PATHS),
        ),
    )
    customers = TableSpec(
        "customers",
        en_or_translit,
        (
            col("id", sa.Integer(), lambda r: r.index + 1),
            col("uuid", sa.CHAR(36), lambda r: str(uuid.UUID(int=r.rng.getrandbits(128)))),
            col("fn", _text(100), lambda r: r.person.first, FIRST),
            col("ln", _text(100), lambda r: r.person.last, LAST),
            col("display_name", _text(200), lambda r: r.person.full(1), FULL),
            col("email", _text(), lambda r: r.make.email(r.person), EMAIL),
            col("ph", _text(32), lambda r: r.make.phone("us"), PHONE),
            col("dob", _text(10), lambda r: r.make.birth_date(r.person, "us"), BIRTH),
            col("addr", _text(300), lambda r: r.make.address("us"), ADDRESS),
            col("card_number", _text(23), lambda r: r.make.card(), CARD),
            col("last_ip", _text(45), lambda r: r.make.ip(), IP),
            col("company", _text(200), lambda r: r.make.en.company()),
            col("job_title", _text(200), lambda r: r.make.en.job()),
            col("city", _text(100), lambda r: r.make.en.city()),
            col("state", _text(2), lambda r: r.make.en.state_abbr()),
            col("zip", _text(10), lambda r: r.make.en.zipcode()),
            col("loyalty_tier", _text(10), lambda r: r.pick("bronze", "silver", "gold")),
            col("username", _text(60), lambda r: r.make.en.user_name()),
            col("referral_code", _text(12), lambda r: f"REF-{r.rng.randrange(16**5):05X}"),
            col("notes", sa.Text(), lambda r: r.make.en.paragraph() if r.chance(0.3) else None),
            col("iban", _text(34), lambda r: r.make.en.iban()),
            col("signup_year", sa.Integer(), lambda r: r.rng.randint(2015, 2025)),
            col("created_at", sa.DateTime(), lambda r: r.instant()),
            Column("profile", sa.JSON(), _profile, paths=_PROFILE_PATHS),
        ),
    )
    abonenty = TableSpec(
        "abonenty",
        KZ,
        (
            col("id", sa.Integer(), lambda r: r.index + 1),
            col("fio", _text(200), lambda r: r.person.full(r.pick(0, 0, 2, 3)), FULL),
            col("akesinin_aty", _text(100), lambda r: r.person.patronymic, PATRONYMIC),
            col("iin", _text(12), lambda r: r.make.iin(r.person), IIN),
            col(
                "kontakt",
                _text(),
                lambda r: r.make.phone("kz") if r.chance(0.5) else r.make.email(r.person),
                PHONE,
                EMAIL,
            ),
            col("adres", _text(300), lambda r: r.make.address("kz"), ADDRESS),
            col("gorod", _text(100), lambda r: r.pick("Алматы", "Астана", "Шымкент", "Тараз")),
            col("til", _text(2), lambda r: r.pick("kk", "ru")),
            col("tarif", _text(40), lambda r: r.pick("Базовый", "Семейный", "Бизнес")),
            col("data_podklyucheniya", sa.Date(), lambda r: r.instant().date()),
            col("balans", sa.Numeric(12, 2), lambda r: round(r.rng.random() * 20_000, 2)),
            col("schet", _text(20), lambda r: f"KZ{r.rng.randrange(10**17, 10**18)}"),
        ),
    )
    zakazy = TableSpec(
        "zakazy",
        ru_or_kz,
        (
            col("id", sa.Integer(), lambda r: r.index + 1),
            col("nomer_zakaza", sa.BigInteger(), lambda r: _ORDER_BASE + r.index * 7),
            col("klient_id", sa.Integer(), lambda r: r.rng.randint(1, 5000)),
            col("summa", sa.Numeric(12, 2), lambda r: round(r.rng.random() * 50_000, 2)),
            col("valyuta", _text(3), lambda r: r.pick("RUB", "KZT")),
            col("status", _text(20), lambda r: r.pick("novyi", "oplachen", "dostavlen")),
            col("sposob_dostavki", _text(20), lambda r: r.pick("kurer", "pvz", "pochta")),
            col(
                "kupon",
                _text(20),
                lambda r: f"SALE{r.rng.randint(2022, 2026)}" if r.chance(0.2) else None,
            ),
            col(
                "trek_nomer",
                _text(20),
                lambda r: (
                    f"RA{r.rng.randrange(10**8, 10**9)}RU"
                    if r.chance(0.5)
                    else f"{r.rng.randrange(10**13, 10**14)}"
                ),
            ),
            col(
                "iin_poluchatelya",
                _text(12),
                lambda r: r.make.iin(r.person) if r.person.origin == KZ else None,
                IIN,
            ),
            col("poluchatel", _text(200), lambda r: r.person.full(r.pick(0, 1, 2)), FULL),
            col("tel_poluchatelya", _text(32), lambda r: r.make.phone("ru"), PHONE),
            col("adres_dostavki", _text(300), lambda r: r.make.address("ru"), ADDRESS),
            col(
                "kommentariy",
                sa.Text(),
                _prose((0.15, _COMMENTS_PHONE), (0.1, _COMMENTS_ADDRESS), plain=_COMMENTS_PLAIN),
                PHONE,
                ADDRESS,
            ),
            col("sozdan", sa.DateTime(), lambda r: r.instant()),
        ),
    )
    tovary = TableSpec(
        "tovary",
        RU,
        (
            col("id", sa.Integer(), lambda r: r.index + 1),
            col("sku", _text(20), lambda r: f"{r.pick('AB', 'KT', 'ZX')}-{r.rng.randrange(10**5)}"),
            col("ean", _text(13), lambda r: _ean13(r.rng)),
            col("nazvanie", _text(200), lambda r: f"{r.pick(*_PRODUCTS)} {r.pick(*_BRANDS)}"),
            col("brend", _text(100), lambda r: r.pick(*_BRANDS)),
            col("proizvoditel", _text(200), lambda r: r.make.ru.company()),
            col("kategoriya", _text(100), lambda r: r.pick("Кухня", "Уход", "Уборка", "Климат")),
            col("opisanie", sa.Text(), lambda r: r.make.ru.paragraph()),
            col("tsena", sa.Numeric(12, 2), lambda r: round(r.rng.random() * 90_000, 2)),
            col("ves_g", sa.Integer(), lambda r: r.rng.randrange(100, 9000)),
            col("god_vypuska", sa.Integer(), lambda r: r.rng.randint(2018, 2025)),
            col("versiya_proshivki", _text(20), lambda r: _version(r.rng)),
        ),
    )
    platezhi = TableSpec(
        "platezhi",
        RU,
        (
            col("id", sa.Integer(), lambda r: r.index + 1),
            col("zakaz_id", sa.Integer(), lambda r: r.rng.randint(1, 5000)),
            col("pan", _text(23), lambda r: r.make.card(), CARD),
            col("card_mask", _text(19), lambda r: _masked(r.make.card())),
            col("rrn", _text(12), lambda r: f"{r.rng.randrange(10**11, 10**12)}"),
            col("auth_code", _text(6), lambda r: f"{r.rng.randrange(16**6):06X}"),
            col("bik", _text(9), lambda r: str(r.make.ru.bic())),
            col("inn_platelshchika", _text(12), lambda r: r.make.inn(), INN),
            col("schet_poluchatelya", _text(20), lambda r: str(r.make.ru.checking_account())),
            col("summa", sa.Numeric(12, 2), lambda r: round(r.rng.random() * 50_000, 2)),
            col("status", _text(20), lambda r: r.pick("approved", "declined", "refund")),
            col("provedeno", sa.DateTime(), lambda r: r.instant()),
        ),
    )
    obrashcheniya = TableSpec(
        "obrashcheniya",
        lambda rng: EN if rng.random() < 0.2 else RU,
        (
            col("id", sa.Integer(), lambda r: r.index + 1),
            col("nomer", _text(20), lambda r: f"TCK-{r.index + 100_000}"),
            col("tema", _text(200), lambda r: r.pick("Возврат", "Доставка", "Оплата", "Refund")),
            col(
                "tekst",
                sa.Text(),
                _prose(
                    (0.12, _TICKET_PHONE),
                    (0.1, _TICKET_EMAIL),
                    (0.1, _TICKET_NAME),
                    (0.06, _TICKET_CARD),
                    plain=_TICKETS_PLAIN,
                ),
                PHONE,
                EMAIL,
                FULL,
                CARD,
            ),
            col("ispolnitel", _text(100), lambda r: _STAFF[r.index % len(_STAFF)], FULL),
            col("kanal", _text(20), lambda r: r.pick("chat", "email", "phone")),
            col(
                "vlozhenie",
                _text(100),
                lambda r: r.pick("scan_pasport.pdf", "IMG_2041.jpg", "check@2x.png", "otvet.docx"),
            ),
            col("prioritet", sa.Integer(), lambda r: r.rng.randint(1, 4)),
            col("client_ip", _text(45), lambda r: r.make.ip(), IP),
            col("sozdano", sa.DateTime(), lambda r: r.instant()),
        ),
    )
    sessions = TableSpec(
        "sessions",
        EN,
        (
            col("id", sa.Integer(), lambda r: r.index + 1),
            col("sess_id", sa.CHAR(36), lambda r: str(uuid.UUID(int=r.rng.getrandbits(128)))),
            col("remote_addr", _text(45), lambda r: r.make.ip(), IP),
            col("ua", _text(300), lambda r: r.make.en.user_agent()),
            col("path", _text(200), lambda r: "/" + r.make.en.uri_path()),
            col("app_version", _text(20), lambda r: _version(r.rng)),
            col("duration_ms", sa.Integer(), lambda r: r.rng.randrange(50, 600_000)),
            col("country", _text(2), lambda r: r.pick("RU", "KZ", "US", "DE")),
            Column("geo", sa.JSON(), _geo, paths=_GEO_PATHS),
            col("started_at", sa.DateTime(), lambda r: r.instant()),
        ),
    )
    sotrudniki = TableSpec(
        "sotrudniki",
        ru_or_kz,
        (
            col("id", sa.Integer(), lambda r: r.index + 1),
            col("tab_nomer", _text(10), lambda r: f"{r.index + 104_000:06d}"),
            col("fam", _text(100), lambda r: r.person.last, LAST),
            col("im", _text(100), lambda r: r.person.first, FIRST),
            col("otch", _text(100), lambda r: r.person.patronymic, PATRONYMIC),
            col("dolzhnost", _text(100), lambda r: r.pick("Кладовщик", "Курьер", "Менеджер")),
            col("otdel", _text(100), lambda r: r.pick("Склад", "Логистика", "Продажи", "IT")),
            col("mob_tel", _text(32), lambda r: r.make.phone(r.pick("ru", "kz")), PHONE),
            col("rabochii_email", _text(), lambda r: r.make.email(r.person), EMAIL),
            col("data_rozhd", _text(30), lambda r: r.make.birth_date(r.person, "words"), BIRTH),
            col("inn", _text(12), lambda r: r.make.inn(), INN),
            col("snils", _text(14), lambda r: r.make.snils(), SNILS),
            col(
                "iin",
                _text(12),
                lambda r: r.make.iin(r.person) if r.person.origin == KZ else None,
                IIN,
            ),
            col("pasport_seriya_nomer", _text(20), lambda r: r.make.passport(False), PASSPORT),
            col("oklad", sa.Numeric(12, 2), lambda r: r.rng.randrange(60_000, 250_000)),
            col("data_priema", sa.Date(), lambda r: r.instant(3000).date()),
        ),
    )
    dokumenty = TableSpec(
        "dokumenty_klientov",
        RU,
        (
            col("id", sa.Integer(), lambda r: r.index + 1),
            col("klient_id", sa.Integer(), lambda r: r.rng.randint(1, 5000)),
            col("tip_dokumenta", _text(20), lambda r: ("pasport", "snils", "inn")[r.index % 3]),
            col("nomer", _text(20), _document_number, PASSPORT, SNILS, INN),
            col("kem_vydan", _text(200), lambda r: r.pick(*_ISSUERS)),
            col(
                "kod_podrazdeleniya",
                _text(7),
                lambda r: f"{r.rng.randrange(1, 99):02d}0-0{r.rng.randrange(10, 99)}",
            ),
            col("data_vydachi", sa.Date(), lambda r: r.instant(5000).date()),
        ),
    )
    return (
        klienty,
        customers,
        abonenty,
        zakazy,
        tovary,
        platezhi,
        obrashcheniya,
        sessions,
        sotrudniki,
        dokumenty,
    )


_ISSUERS = ("ГУ МВД России по г. Москве", "ОУФМС России по Тульской обл.",
            "МВД по Республике Татарстан", "ГУ МВД России по Новосибирской обл.")  # fmt: skip


def _document_number(row: Row) -> str:
    """The number of the document named in the row's `tip_dokumenta`."""
    kind = row.index % 3
    if kind == 0:
        return row.make.passport(row.chance(0.3))
    return row.make.snils() if kind == 1 else row.make.inn()


_STAFF = ("Петров А. В.", "Сидорова Е. Н.", "Ким Д. С.", "Абенова А. К.", "Орлов М. И.",
          "Ковалёва Т. Ю.", "Жуков П. П.", "Смирнова О. А.")  # fmt: skip


def _version(rng: random.Random) -> str:
    return f"{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}"


def _ean13(rng: random.Random) -> str:
    body = f"46{rng.randrange(10**10):010d}"  # 460-469: GS1 Russia
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _masked(card: str) -> str:
    digits = card.replace(" ", "")
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


# -- building --------------------------------------------------------------------------


def generate(rows: int = 2000, seed: int = 22) -> Corpus:
    """Every table with `rows` rows, the same for the same seed."""
    make = Maker(seed)
    metadata = sa.MetaData()
    data: dict[str, list[dict[str, Any]]] = {}
    truth: dict[Place, frozenset[str]] = {}
    for spec in _tables():
        sa.Table(
            spec.name,
            metadata,
            *(
                sa.Column(c.name, c.type, primary_key=c.name == "id", autoincrement=False)
                for c in spec.columns
            ),
            **_MYSQL,
        )
        data[spec.name] = list(_rows(spec, rows, make))
        for column in spec.columns:
            if column.paths:
                truth.update({(spec.name, p): labels for p, labels in column.paths.items()})
            else:
                truth[(spec.name, column.name)] = column.labels
    return Corpus(metadata, data, truth)


def _rows(spec: TableSpec, count: int, make: Maker) -> Iterator[dict[str, Any]]:
    for index in range(count):
        origin = spec.origin if isinstance(spec.origin, str) else spec.origin(make.rng)
        row = Row(index, make.person(origin), make)
        yield {c.name: c.make(row) for c in spec.columns}


def load(corpus: Corpus, url: str) -> None:
    """Creates the tables in the (empty) database at `url` and inserts every row."""
    engine = plain_engine(url)
    try:
        with engine.begin() as connection:
            corpus.metadata.drop_all(connection)
            corpus.metadata.create_all(connection)
            for table in corpus.metadata.sorted_tables:
                connection.execute(table.insert(), corpus.rows[table.name])
    finally:
        engine.dispose()
