"""Update requests as people write them, not only as `Label: value` lines: the proposed
values are read from natural wording in Russian and English, kept encrypted in the
register until a person approves them, and never printed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.requests.proposals import proposed_values
from tests.cli import pdpipe_in_process as pdpipe
from tests.execute.builders import dump, leads, populate
from tests.requests.mailboxes import date, encoded_b, message, text, write_mbox
from tests.requests.scenario import policy_with_requests


@pytest.mark.parametrize(
    ("body", "proposed"),
    [
        ("Please update my phone: +7 701 123 45 67", {"phone": "+7 701 123 45 67"}),
        ("Прошу изменить мою фамилию на Петрова.", {"last_name": "Петрова"}),
        ("Hi! My new email is x@y.example, thanks.", {"email": "x@y.example"}),
        ("новый номер телефона 8 (701) 123-45-67", {"phone": "8 (701) 123-45-67"}),
        ("Мой новый телефон: 8 916 000 00 00", {"phone": "8 916 000 00 00"}),
        (
            "Прошу заменить адрес электронной почты на new.mail@mail.ru",
            {"email": "new.mail@mail.ru"},
        ),
        ("Фамилия изменилась на Петрова-Водкина", {"last_name": "Петрова-Водкина"}),
        (
            "Please update my details. My last name is now O'Brien and my first name "
            "changed to Mary.",
            {"last_name": "O'Brien", "first_name": "Mary"},
        ),
        (
            "Прошу обновить данные. Моя фамилия теперь Сидорова, новое отчество: Ивановна.",
            {"last_name": "Сидорова", "patronymic": "Ивановна"},
        ),
    ],
)
def test_natural_wording_proposes_values(body: str, proposed: dict[str, str]) -> None:
    assert proposed_values(body) == proposed


def test_from_old_to_new_proposes_the_new_one() -> None:
    body = "Please change my phone from +7 701 111 11 11 to +7 701 222 22 22."
    assert proposed_values(body) == {"phone": "+7 701 222 22 22"}
    body = "Прошу сменить почту с old@mail.ru на new@mail.ru"
    assert proposed_values(body) == {"email": "new@mail.ru"}


def test_an_old_value_mentioned_as_old_is_not_proposed() -> None:
    body = "My old email a@b.example is gone; my new email is c@d.example"
    assert proposed_values(body) == {"email": "c@d.example"}
    assert proposed_values("Мой прежний телефон +7 701 111 11 11 больше не работает.") == {}


@pytest.mark.parametrize(
    "body",
    [
        "Прошу не менять мой телефон +7 701 123 45 67",  # negated
        "Please do not change my email a@b.example",
        "My phone is +7 701 123 45 67.",  # no change said: the current value, maybe
        "Please update my personal data.",  # nothing to propose
        "I changed my name to the one in my passport",  # no name written
        "> Please update my phone: +7 701 123 45 67",  # quoted from an earlier mail
        "I have a new phone, please call me",  # no number
    ],
)
def test_wording_without_a_new_value_proposes_nothing(body: str) -> None:
    assert proposed_values(body) == {}


def test_a_label_line_wins_over_wording() -> None:
    body = "Phone: +7 701 000 00 01\nActually please update my phone to +7 701 000 00 02"
    assert proposed_values(body) == {"phone": "+7 701 000 00 01"}


def test_national_numbers_read_in_the_operators_country() -> None:
    body = "новый номер телефона 8 (701) 123-45-67"
    assert proposed_values(body, "KZ") == {"phone": "8 (701) 123-45-67"}
    assert proposed_values(body, None) == {}  # only +… numbers without a country
    assert proposed_values("my new phone is +49 30 1234567", None) == {"phone": "+49 30 1234567"}


def test_a_worded_update_is_approved_into_the_store_and_never_printed(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(store_url, people_count=12, leads_count=12)
    policy = policy_with_requests(tmp_path, store_url)
    mailbox = write_mbox(
        tmp_path / "inbox.mbox",
        [
            message(
                subject=encoded_b("Обновление персональных данных"),
                body=text(
                    "Здравствуйте! Прошу изменить мою фамилию на Канарейкина.\n"
                    "Новый номер телефона 8 (701) 765-43-21\n"
                ),
                sender="canary.lead11@yandex.ru",
                message_id="<u11@example.ru>",
                sent=date(2026, 11, 20, 9, 30, 5),
            )
        ],
    )
    before = dump(store_url, leads)

    ingested = pdpipe("requests", "ingest", str(policy), str(mailbox), "--process")
    assert ingested.returncode == 0, ingested.stderr
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT proposal FROM pdpipe_requests")).scalar_one()
    engine.dispose()
    assert stored and "Канарейкина" not in stored and "765" not in stored  # encrypted
    listed = pdpipe("requests", "list", str(policy), "--json")
    (row,) = json.loads(listed.stdout)["requests"]
    approved = pdpipe("requests", "approve", str(policy), row["id"])
    assert approved.returncode == 0, approved.stderr

    after = dump(store_url, leads)
    assert (after["L00011"]["last_name"], after["L00011"]["phone"]) == (
        "Канарейкина",
        "8 (701) 765-43-21",
    )
    assert {k for k in before if before[k] != after[k]} == {"L00011"}
    terminal = "".join(p.stdout + p.stderr for p in (ingested, listed, approved))
    assert not re.search(r"canary|Канарейкин|765-43|@yandex", terminal, re.I)
