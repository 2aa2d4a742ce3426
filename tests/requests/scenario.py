"""A store with people and leads, a policy that handles their requests, and a mailbox of
requests from some of them: shared by the lifecycle, flow and crash tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import CONTACT_KEY
from tests.execute.builders import POLICY, PSEUDONYM_KEY, populate
from tests.requests.mailboxes import address, date, encoded_b, message, text, write_mbox

__all__ = ["CONTACT_KEY", "policy_with_requests", "requests_scenario", "scenario_mailbox"]
REQUESTS = """
requests:
  store: store
  reports: reports
"""


def policy_with_requests(tmp_path: Path, url: str) -> Path:
    text_ = POLICY.format(url=url).replace(
        "secrets: {pseudonym_key: env:PDPIPE_TEST_PSEUDONYM_KEY}",
        "secrets: {pseudonym_key: env:PDPIPE_TEST_PSEUDONYM_KEY, "
        "contact_key: env:PDPIPE_TEST_CONTACT_KEY}",
    )
    path = tmp_path / "policy.yaml"
    path.write_text(text_ + REQUESTS, encoding="utf-8")
    return path


def requests_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, people: int = 20, leads: int = 20
) -> tuple[Path, Path]:
    """The keys set, an SQLite store filled, its policy and the mailbox: (policy, mailbox)."""
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("PDPIPE_TEST_CONTACT_KEY", CONTACT_KEY)
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=people, leads_count=leads)
    return policy_with_requests(tmp_path, url), scenario_mailbox(tmp_path / "inbox.mbox")


def scenario_mailbox(path: Path) -> Path:
    sent = date(2026, 11, 20, 9, 30, 5)
    raws = [
        message(  # person 7, also lead L00007 under a tagged, capitalized address
            subject=encoded_b("Re: Отзыв согласия на обработку персональных данных"),
            body=text("Прошу прекратить обработку и удалить мои данные."),
            sender=address("Пётр Канарейкин", "canary.person7@mail.ru"),
            message_id="<w1@example.ru>",
            sent=sent,
        ),
        message(  # lead 8 demands that processing cease
            subject="Stop processing",
            body=text("<p>Please stop processing my personal data.</p>", subtype="html"),
            sender="Canary.Lead8@Yandex.ru",
            message_id="<c1@example.ru>",
            sent=sent,
        ),
        message(  # person 3 asks what is held, in koi8-r
            subject=encoded_b("Запрос"),
            body=text(
                "Прошу предоставить сведения об обработке моих персональных данных.",
                charset="koi8-r",
            ),
            sender="canary.person3@mail.ru",
            message_id="<a1@example.ru>",
            sent=sent,
        ),
        message(  # lead 10 has a new phone number
            subject="Fwd: Personal Data Update",
            body=text("Hello,\nPhone: +7 701 999-00-10\nThanks"),
            sender="canary.lead10@yandex.ru",
            message_id="<u1@example.ru>",
            sent=sent,
        ),
        message(
            subject="Cheap watches",
            body=text("Buy now"),
            sender="promo@spam.example",
            message_id="<s1@example.ru>",
            sent=sent,
        ),
        message(subject="Personal Data Update", body=text("x"), sender="canary.person9@mail.ru"),
    ]
    raws.append(raws[0])  # the same message twice
    return write_mbox(path, raws)
