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
