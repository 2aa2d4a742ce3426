"""What a message asks for, read from its subject, else its body, in English and Russian."""

from __future__ import annotations

import pytest

from pdpipe.requests.classify import (
    Classification,
    RequestType,
    classify,
    normalize,
    strip_prefixes,
)

W = RequestType.WITHDRAW_CONSENT
U = RequestType.UPDATE
A = RequestType.ACCESS
B = RequestType.BLOCK
D = RequestType.DESTROY
C = RequestType.CEASE
UL = RequestType.UNLAWFUL


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Withdrawal of Consent to Personal Data Processing", W),
        ("I withdraw my consent", W),
        ("Revocation of consent", W),
        ("Отзыв согласия на обработку персональных данных", W),
        ("Прошу отозвать согласие на обработку персональных данных", W),
        ("Отзыв моего согласия", W),
        ("Personal Data Update", U),
        ("Please correct my personal data", U),
        ("Обновление персональных данных", U),
        ("Изменение моих персональных данных", U),
        ("Прошу исправить мои персональные данные", U),
        ("What personal data do you hold about me?", A),
        ("Subject access request", A),
        ("Прошу предоставить сведения об обработке моих персональных данных", A),
        ("Запрос на доступ к персональным данным", A),
        ("Какие персональные данные вы обрабатываете?", A),
        ("Please block my personal data", B),
        ("Блокирование персональных данных", B),
        ("Прошу заблокировать мои персональные данные", B),
        ("Please delete my personal data", D),
        ("Right to be forgotten", D),
        ("Прошу уничтожить мои персональные данные", D),
        ("Удаление персональных данных", D),
        ("Прошу удалить все мои данные", D),
        ("Stop processing my personal data", C),
        ("Прошу прекратить обработку моих персональных данных", C),
        ("Требование о прекращении обработки персональных данных", C),
        ("Unlawful processing of my personal data", UL),
        ("You are processing my personal data illegally", UL),
        ("Неправомерная обработка персональных данных", UL),
        ("Вы незаконно обрабатываете мои данные", UL),
        ("Вы обрабатываете мои персональные данные неправомерно", UL),
        # Stopping or blocking is what unlawful processing gets first (152-FZ art. 21 p.1, 3).
        ("Please stop the unlawful processing of my data", UL),
        ("Block my personal data: you process it unlawfully", UL),
        ("Прошу прекратить незаконную обработку моих персональных данных", UL),
    ],
)
def test_each_type_in_english_and_russian(subject: str, expected: RequestType) -> None:
    assert classify(subject, "") == Classification(expected, "subject")


@pytest.mark.parametrize(
    "subject",
    [
        "Re: Personal Data Update",
        "RE: Fwd: Personal Data Update",
        "re:RE:Re: Personal Data Update",
        "FW: Personal Data Update",
        "Fwd: Fwd: Fwd: Fwd: Personal Data Update",
        "Re[2]: Fwd(3): Personal Data Update",
        "AW: WG: Personal Data Update",
        "ＲＥ： Personal Data Update",  # full-width, as some Asian clients write it
        "Отв: Personal Data Update",
        "ОТВ: Ответ: Personal Data Update",
        "Пересл: Personal Data Update",
    ],
)
def test_reply_and_forward_prefixes_are_stripped(subject: str) -> None:
    assert strip_prefixes(normalize(subject)) == "personal data update"
    assert classify(subject, "").type is U


def test_strip_prefixes_leaves_words_that_only_start_like_a_prefix() -> None:
    assert strip_prefixes("Re: Fwd: Отв: X") == "X"
    assert strip_prefixes("Отв:X") == "X"
    assert strip_prefixes("Reminder: renew") == "Reminder: renew"
    assert strip_prefixes("Revocation of consent") == "Revocation of consent"
    assert strip_prefixes("Ответственному лицу") == "Ответственному лицу"


def test_normalize_folds_case_yo_width_and_whitespace() -> None:
    assert normalize("  Отзыв\t\n  СОГЛАСИЯ   Ёлка ") == "отзыв согласия елка"
    assert normalize("ＷＩＴＨＤＲＡＷ\u00a0Consent") == "withdraw consent"


def test_yo_is_read_as_ye() -> None:
    # "моего" written with ё: the pattern only knows е.
    assert classify("Отзыв моЁго согласия", "").type is W


def test_case_and_whitespace_do_not_matter() -> None:
    assert classify("WITHDRAWAL   OF\tCONSENT", "").type is W
    assert classify("обновление\n  ПЕРСОНАЛЬНЫХ\r\n данных", "").type is U
    assert classify("  please  DELETE\u00a0my   personal data  ", "").type is D


def test_subject_decides_over_the_body() -> None:
    verdict = classify("Personal Data Update", "Please delete my personal data.")
    assert verdict == Classification(U, "subject")


def test_body_decides_when_the_subject_is_neutral() -> None:
    body = "Dear team,\n\nPlease stop processing my personal data.\n\nJohn"
    assert classify("Hello", body) == Classification(C, "body")
    assert classify("Re: Hello", "Прошу уничтожить мои персональные данные") == Classification(
        D, "body"
    )
    assert classify("", "What personal data do you hold about me?") == Classification(A, "body")


def test_two_unrelated_demands_are_not_guessed_at() -> None:
    verdict = classify("Hello", "Please update my personal data. What data do you hold?")
    assert verdict.type is None
    assert "several" in verdict.basis
    assert verdict.basis.startswith("body")


def test_an_ambiguous_subject_goes_to_review_without_reading_the_body() -> None:
    verdict = classify("Block my data and stop processing", "Please delete my personal data.")
    assert verdict == Classification(None, "subject: several request types")


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Cheap watches", "Replica watches 90% off! Click here to unsubscribe."),
        ("Hello", "How are you?"),
        ("Отписаться от рассылки", "Прошу прекратить рассылку."),
        ("", ""),
    ],
)
def test_no_request_goes_to_review(subject: str, body: str) -> None:
    assert classify(subject, body) == Classification(None, "no request type found")


def test_withdrawal_covers_the_deletion_said_with_it() -> None:
    # Withdrawing consent means destruction; the delete is not a second demand.
    assert classify("Hello", "I withdraw my consent. Please delete my data.").type is W
    assert classify("Отзыв согласия и удаление данных", "") == Classification(W, "subject")
    body = "I withdraw my consent. Stop processing and block my data."
    assert classify("Hello", body) == Classification(W, "body")


def test_destruction_covers_ceasing_and_blocking() -> None:
    assert classify("Please stop processing and delete my personal data", "").type is D
    text = "Прошу прекратить обработку и уничтожить мои персональные данные"
    assert classify(text, "").type is D


def test_a_weaker_demand_does_not_cover_a_stronger_one() -> None:
    # Update is covered by nothing: with a withdrawal it is two demands.
    verdict = classify("Withdrawal of consent and personal data update", "")
    assert verdict == Classification(None, "subject: several request types")


def test_basis_never_quotes_the_text() -> None:
    secret = "ivan.petrov@mail.ru"
    for subject, body in [(secret, secret), ("Hello", f"Delete my data, {secret}")]:
        assert secret not in classify(subject, body).basis


# --- phrases a person would write, once read wrongly ------------------------------------


@pytest.mark.parametrize(
    "subject",
    [
        "Отзываю своё согласие на обработку персональных данных",
        "Настоящим отзываю свое согласие на обработку персональных данных",
    ],
)
def test_withdrawal_with_svoyo(subject: str) -> None:
    assert classify(subject, "").type is W


@pytest.mark.parametrize("subject", ["Consent withdrawal request", "I am revoking my consent"])
def test_english_withdrawal_word_orders(subject: str) -> None:
    assert classify(subject, "").type is W


def test_access_with_mne() -> None:
    text = "Прошу предоставить мне сведения о моих персональных данных"
    assert classify(text, "").type is A


@pytest.mark.parametrize(
    "subject", ["Прошу разблокировать мой аккаунт", "Ваш аккаунт заблокирован"]
)
def test_unblocking_an_account_is_not_a_block_request(subject: str) -> None:
    assert classify(subject, "").type is None
