import pandas as pd

from pdpipe.detectors import Category, embedded_share, embeds_pd, find_spans

NOTE = (
    "Просил перезвонить на +7 916 123-45-67 после 15:00. Почта ivan.petrov@mail.ru, "
    "ИНН 500100732259, СНИЛС 112-233-445 95, карта 4219 9351 8190 9371, паспорт 45 12 "
    "345678, дата рождения 12.03.1985. Звонил Иванов Иван Петрович с IP 192.168.1.10. "
    "Заказ №123456 на 15 000 руб. от 2024-01-15."
)


def test_when_a_note_holds_pd_then_each_piece_is_found_at_its_place() -> None:
    found = {(s.category, NOTE[s.start : s.end]) for s in find_spans(NOTE)}
    assert found == {
        (Category.PHONE, "+7 916 123-45-67"),
        (Category.EMAIL, "ivan.petrov@mail.ru"),
        (Category.INN, "500100732259"),
        (Category.SNILS, "112-233-445 95"),
        (Category.BANK_CARD, "4219 9351 8190 9371"),
        (Category.PASSPORT, "паспорт 45 12 345678"),
        (Category.BIRTH_DATE, "12.03.1985"),
        (Category.FULL_NAME, "Иванов Иван Петрович"),
        (Category.IP_ADDRESS, "192.168.1.10"),
    }


def test_when_a_note_has_only_numbers_dates_and_capitals_then_nothing_is_found() -> None:
    plain = [
        "Созвонились, обсудили сроки подачи заявки. Счёт 123456 от 15.01.2024 на 15 000 руб.",
        "Встреча в Москве: Новый договор подписан. Order ORD-2024-000123, total $1,234.56.",
        "Сервер 2024-01-15 12:30:45 UUID 3f2504e0-4f89-11d3-9a0c-0305e82c3301 версия 1.2.3",
    ]
    assert [find_spans(t) for t in plain] == [[], [], []]


def test_when_rows_are_scanned_then_the_share_counts_rows_with_pd() -> None:
    notes = pd.Series(["Клиент прислал логотип.", NOTE, None, "Пишите на a.b@mail.ru", ""])
    assert embeds_pd(notes).tolist() == [False, True, False, True, False]
    assert embedded_share(notes) == 2 / 3


def test_when_prose_mentions_ten_digit_order_numbers_then_no_inn_is_found() -> None:
    """One ten-digit number in eleven passes the ИНН check, as these two orders do."""
    assert find_spans("Заказ 4100000019 не доставлен, верните деньги за 4100000026.") == []


def test_when_a_user_agent_names_versions_in_dotted_quads_then_no_ip_is_found() -> None:
    agent = "Mozilla/5.0 (X11; Linux i686; rv:1.9.7.20) Gecko/20100101 Firefox/3.6.10.1"
    assert find_spans(agent) == []


def test_when_an_address_holds_a_street_or_town_named_after_people_then_it_is_one_address() -> None:
    for text in [
        "Доставить на пр. Карла Маркса, д. 92, кв. 5, после обеда.",
        "Ship to 159 Erica Spring Suite 692, Lake Tammy, CA 85707 please.",
    ]:
        assert {s.category for s in find_spans(text)} == {Category.ADDRESS}


def test_when_eleven_digits_follow_a_plus_then_they_are_a_phone_not_a_snils() -> None:
    """79161000082 passes the СНИЛС check too, as one number in a hundred does."""
    text = "Новый номер +79161000082, звонить после обеда."
    assert [(s.category, text[s.start : s.end]) for s in find_spans(text)] == [
        (Category.PHONE, "+79161000082")
    ]
