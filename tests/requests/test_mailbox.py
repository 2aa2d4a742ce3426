"""Reading messages from an mbox file, a Maildir or a folder of .eml files; and the new
values an update request proposes. (Malformed mailboxes and messages: test_hostile_mail.py.)"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest

from pdpipe.errors import BadInput
from pdpipe.requests.classify import RequestType, classify
from pdpipe.requests.mailbox import Message, ReviewReason, html_text, parse, read_mailbox
from pdpipe.requests.proposals import proposed_values
from tests.requests import mailboxes
from tests.requests.mailboxes import LAYOUTS, STANDARD


def read(path: Path) -> list[Message]:
    return list(read_mailbox(path))


def messages(path: Path) -> list[Message]:
    items = read(path)
    assert all(not item.problems for item in items), items
    return items


def one(raw: bytes) -> Message:
    item = parse(raw, "test")
    assert not item.problems, item
    return item


def by_id(items: list[Message]) -> dict[str, Message]:
    return {str(item.message_id): item for item in items}


def content(item: Message) -> tuple[object, ...]:
    """What a message says, wherever it was read from."""
    fields = (item.message_id, item.sender, item.subject, item.body, item.sent_at)
    return (*fields, item.digest, item.problems)


@pytest.fixture(params=LAYOUTS)
def layout(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def standard(tmp_path: Path, layout: str) -> Path:
    return mailboxes.write(layout, tmp_path, [raw for raw, _ in mailboxes.standard_mailbox()])


# --- one mailbox, three layouts --------------------------------------------------------


def test_every_layout_reads_the_same_messages(tmp_path: Path) -> None:
    raws = [raw for raw, _ in mailboxes.standard_mailbox()]
    read_back = {
        layout: messages(mailboxes.write(layout, tmp_path / layout, raws)) for layout in LAYOUTS
    }
    expected = sorted(content(one(raw)) for raw in raws)
    assert len(expected) == len(STANDARD)
    for layout, items in read_back.items():
        assert sorted(content(item) for item in items) == expected, layout


def test_mbox_and_eml_keep_the_order_of_the_mailbox(tmp_path: Path) -> None:
    raws = [raw for raw, _ in mailboxes.standard_mailbox()]
    order = [one(raw).message_id for raw in raws]
    for layout in ("mbox", "eml"):
        items = messages(mailboxes.write(layout, tmp_path / layout, raws))
        assert [item.message_id for item in items] == order, layout


def test_maildir_reads_both_new_and_cur(tmp_path: Path) -> None:
    raws = [raw for raw, _ in mailboxes.standard_mailbox()]
    path = mailboxes.write_maildir(tmp_path / "Maildir", raws)
    assert any((path / "cur").iterdir()) and any((path / "new").iterdir())
    assert len(messages(path)) == len(raws)


def test_the_standard_mailbox_is_classified_as_expected(standard: Path) -> None:
    expected = {one(raw).message_id: kind for raw, kind in mailboxes.standard_mailbox()}
    verdicts = {
        item.message_id: classify(item.subject, item.body).type for item in messages(standard)
    }
    assert verdicts == expected


def test_an_empty_maildir_or_mbox_has_no_messages(tmp_path: Path) -> None:
    (tmp_path / "Maildir" / "new").mkdir(parents=True)
    (tmp_path / "empty.mbox").write_bytes(b"")
    assert read(tmp_path / "Maildir") == []
    assert read(tmp_path / "empty.mbox") == []


@pytest.mark.parametrize("name", ["missing", "missing.mbox"])
def test_a_path_that_is_no_mailbox_is_bad_input(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with pytest.raises(BadInput, match=re.escape(str(path))):
        read(path)


# --- decoding --------------------------------------------------------------------------


def test_koi8r_8bit_body(standard: Path) -> None:
    message = by_id(messages(standard))["<ru-update-koi8.4@yandex.ru>"]
    assert message.body == mailboxes.KOI8_BODY
    assert "Новая фамилия: Иванова" in message.body


def test_windows1251_base64_body(standard: Path) -> None:
    message = by_id(messages(standard))["<ru-destroy-cp1251.9@rambler.ru>"]
    assert message.body == mailboxes.CP1251_BODY
    assert "Прошу уничтожить мои персональные данные" in message.body


def test_quoted_printable_utf8_body() -> None:
    body = one(mailboxes.ru_withdraw()).body
    assert "Настоящим отзываю согласие на обработку моих персональных данных." in body


@pytest.mark.parametrize(
    ("raw", "subject"),
    [
        (mailboxes.ru_withdraw(), mailboxes.RU_WITHDRAW),  # utf-8, B, folded over lines
        (mailboxes.ru_update_koi8(), mailboxes.RU_UPDATE),  # koi8-r, Q
        (mailboxes.otv_ru_withdraw(), f"Отв: {mailboxes.RU_WITHDRAW}"),
        (mailboxes.re_fwd_en_update(), f"RE: Fwd: {mailboxes.EN_UPDATE}"),
    ],
)
def test_rfc2047_subjects_are_decoded(raw: bytes, subject: str) -> None:
    assert b"=?" in raw or subject.isascii()
    assert one(raw).subject == subject


def test_the_sender_is_the_address_without_its_display_name(standard: Path) -> None:
    found = by_id(messages(standard))
    assert found["<ru-withdraw.3@mail.ru>"].sender == "ivan.petrov+news@mail.ru"
    assert found["<en-update.2@mail.example.org>"].sender == "jane.oconnor@example.org"
    assert b"=?utf-8?b?" in mailboxes.IVAN.encode()  # the Cyrillic name went encoded


def test_html_only_body_becomes_its_text(standard: Path) -> None:
    body = by_id(messages(standard))["<ru-cease-html.10@mail.ru>"].body
    assert mailboxes.HTML_REQUEST in body
    assert "«ООО\u00a0Ромашка»" in body  # character references decoded
    assert "Здравствуйте," in body and "Иван Петров" in body
    assert "<" not in body and ">" not in body
    assert "script-leak" not in body and "style-leak" not in body and "color" not in body
    # ...so what the script says does not turn the request into another one
    assert classify("Здравствуйте", body).type is RequestType.CEASE


def test_multipart_alternative_reads_the_plain_part(standard: Path) -> None:
    body = by_id(messages(standard))["<en-block-alt.11@mail.example.org>"].body
    assert body == "Please block my personal data until my complaint is resolved."


def test_html_text() -> None:
    html = (
        "<HTML><HEAD><STYLE>b{}</STYLE><SCRIPT>x()</SCRIPT></HEAD>"
        "<BODY>one<BR>two<p>three</p><!-- delete my data --><div>four &amp; five</div>"
        "<ul><li>six</li></ul><script src='a.js'></script></BODY></HTML>"
    )
    assert html_text(html) == "one\ntwo\nthree\nfour & five\nsix"
    assert html_text("") == ""
    assert html_text("plain, no tags") == "plain, no tags"


def test_a_saved_eml_with_crlf_line_ends_reads_the_same(tmp_path: Path) -> None:
    raws = [raw for raw, _ in mailboxes.standard_mailbox()]
    lf = messages(mailboxes.write_eml_folder(tmp_path / "lf", raws))
    crlf = messages(mailboxes.write_eml_folder(tmp_path / "crlf", raws, crlf=True))
    for a, b in zip(lf, crlf, strict=True):
        assert (a.message_id, a.sender, a.subject, a.sent_at) == (
            b.message_id,
            b.sender,
            b.subject,
            b.sent_at,
        )
        assert b.body.replace("\r\n", "\n") == a.body
        assert classify(a.subject, a.body) == classify(b.subject, b.body)


# --- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "utc"),
    [
        # Date: Tue, 18 Nov 2025 14:05:00 +0500
        (mailboxes.ru_update_koi8(), dt.datetime(2025, 11, 18, 9, 5, tzinfo=dt.UTC)),
        # Date: Tue, 18 Nov 2025 14:05:00 +0300
        (mailboxes.ru_withdraw(), dt.datetime(2025, 11, 18, 11, 5, tzinfo=dt.UTC)),
        # Date: Mon, 17 Nov 2025 11:30:00 -0500
        (mailboxes.en_update(), dt.datetime(2025, 11, 17, 16, 30, tzinfo=dt.UTC)),
        # Date: Mon, 17 Nov 2025 09:00:00 +0000
        (mailboxes.en_withdraw(), dt.datetime(2025, 11, 17, 9, 0, tzinfo=dt.UTC)),
    ],
)
def test_date_with_an_offset_is_converted_to_utc(raw: bytes, utc: dt.datetime) -> None:
    sent_at = one(raw).sent_at
    assert sent_at == utc
    assert sent_at is not None and sent_at.utcoffset() == dt.timedelta(0)


def test_an_unknown_zone_is_read_as_utc() -> None:
    raw = mailboxes.message(
        subject="Hello",
        message_id="<zone@example.com>",
        sent="Tue, 18 Nov 2025 14:05:00 -0000",
        body=mailboxes.text("hi"),
    )
    assert one(raw).sent_at == dt.datetime(2025, 11, 18, 14, 5, tzinfo=dt.UTC)


def test_a_garbage_date_gives_no_time_but_the_message(standard: Path) -> None:
    message = by_id(messages(standard))["<ru-destroy-bad-date.16@mail.ru>"]
    assert message.sent_at is None
    assert message.body == "Прошу удалить все мои данные.\n"


@pytest.mark.parametrize(
    "sent", [None, "", "Tue, 31 Feb 2025 10:00:00 +0000", "Tue, 18 Nov 2025 25:00:00 +0000"]
)
def test_an_absent_or_impossible_date_gives_no_time(sent: str | None) -> None:
    raw = mailboxes.message(
        subject="Hello", message_id="<d@example.com>", sent=sent, body=mailboxes.text("hi")
    )
    assert one(raw).sent_at is None


# --- messages that cannot be used ------------------------------------------------------


def test_without_message_id_it_is_flagged_named_by_position_in_an_mbox(
    tmp_path: Path,
) -> None:
    items = read(mailboxes.write_mbox(tmp_path / "inbox.mbox", mailboxes.problem_mailbox()))
    position = mailboxes.NO_ID_POSITION
    flagged = items[position - 1]
    assert (flagged.where, flagged.problems) == (
        f"inbox.mbox#{position}",
        (ReviewReason.NO_MESSAGE_ID,),
    )
    assert flagged.name == f"inbox.mbox#{position} [{flagged.digest[:12]}]"
    assert len(items) == len(STANDARD) + 2
    # the others, and the duplicate, come through
    assert sum(not item.problems for item in items) == len(STANDARD) + 1


def test_without_message_id_it_is_flagged_named_by_position_in_an_eml_folder(
    tmp_path: Path,
) -> None:
    items = read(mailboxes.write_eml_folder(tmp_path / "eml", mailboxes.problem_mailbox()))
    position = mailboxes.NO_ID_POSITION
    assert items[position - 1].where == f"eml#{position}"
    assert items[position - 1].problems == (ReviewReason.NO_MESSAGE_ID,)
    assert sum(not item.problems for item in items) == len(STANDARD) + 1


def test_without_message_id_it_is_flagged_named_by_position_in_a_maildir(
    tmp_path: Path,
) -> None:
    path = mailboxes.write_maildir(tmp_path / "Maildir", mailboxes.problem_mailbox())
    items = read(path)
    flagged = [item for item in items if item.problems]
    assert [item.problems for item in flagged] == [(ReviewReason.NO_MESSAGE_ID,)]
    assert re.fullmatch(r"Maildir/(new|cur)#\d+", flagged[0].where)
    assert sum(not item.problems for item in items) == len(STANDARD) + 1


def test_a_message_delivered_twice_is_read_twice_with_one_key(tmp_path: Path, layout: str) -> None:
    path = mailboxes.write(layout, tmp_path, mailboxes.problem_mailbox())
    twice = [item for item in read(path) if item.message_id == "<en-withdraw.1@mail.example.com>"]
    assert len(twice) == 2
    assert content(twice[0]) == content(twice[1])
    assert twice[0].id_key == hashlib.sha256(b"<en-withdraw.1@mail.example.com>").hexdigest()


def test_a_sender_without_an_address_is_flagged() -> None:
    raw = mailboxes.message(
        subject="Hello",
        sender="Undisclosed recipients",
        message_id="<no-sender@example.com>",
        body=mailboxes.text("Please delete my personal data."),
    )
    item = parse(raw, "x")
    assert (item.message_id, item.sender) == ("<no-sender@example.com>", None)
    assert item.problems == (ReviewReason.NO_SENDER,)


def test_bytes_that_are_no_message_are_flagged_not_an_error() -> None:
    item = parse(b"\x00\xff\xfe garbage \r\n\r\n\x80", "inbox.mbox#9")
    assert item.problems == (ReviewReason.NOT_A_MESSAGE,)
    assert item.where == "inbox.mbox#9"


# --- proposed values of an update request ----------------------------------------------


def test_proposed_values_in_english() -> None:
    body = (
        "Hello,\n\nPlease update my details.\n"
        "New email: jane.oconnor@example.net\n"
        "Phone: +1 555 0100\n"
        "Last name: O'Connor-Smith\n\nThanks,\nJane\n"
    )
    assert proposed_values(body) == {
        "email": "jane.oconnor@example.net",
        "phone": "+1 555 0100",
        "last_name": "O'Connor-Smith",
    }


def test_proposed_values_in_russian() -> None:
    body = (
        "Здравствуйте!\n"
        "Новая фамилия: Иванова\n"
        "Имя: Мария\n"
        "Отчество: Ивановна\n"
        "Телефон: 8 (916) 000-00-00\n"
        "Новый адрес электронной почты: m.ivanova@yandex.ru\n"
    )
    assert proposed_values(body) == {
        "last_name": "Иванова",
        "first_name": "Мария",
        "patronymic": "Ивановна",
        "phone": "8 (916) 000-00-00",
        "email": "m.ivanova@yandex.ru",
    }


def test_proposed_values_of_the_update_requests_in_the_mailbox(standard: Path) -> None:
    found = by_id(messages(standard))
    assert proposed_values(found["<ru-update-koi8.4@yandex.ru>"].body) == {
        "last_name": "Иванова",
        "phone": "8 (916) 000-00-00",
    }
    assert proposed_values(found["<en-update.2@mail.example.org>"].body) == {
        "email": "jane.oconnor@example.net",
        "phone": "+1 555 0100",
    }
    assert proposed_values(found["<re-fwd-en-update.6@mail.example.org>"].body) == {
        "phone": "+44 20 7946 0000"
    }


def test_proposed_values_labels_tolerate_case_spacing_and_fullwidth_colon() -> None:
    body = "NEW E-MAIL :   a@example.org   \r\nНовая Фамилия：Ёлкина\r\n"
    assert proposed_values(body) == {"email": "a@example.org", "last_name": "Ёлкина"}


def test_proposed_values_first_line_wins_and_quoted_lines_do_not_count() -> None:
    body = "> Phone: 111\nPhone: 222\nPhone: 333\nSubject: hi\nCity: Moscow\n"
    assert proposed_values(body) == {"phone": "222"}


def test_no_labels_no_proposal() -> None:
    assert proposed_values("Please update my personal data.") == {}
    assert proposed_values("") == {}


def test_a_body_in_an_unknown_charset_is_read_as_far_as_it_can_be() -> None:
    raw = (
        b"From: a@example.org\nSubject: Withdrawal of consent\nMessage-ID: <u@x>\n"
        b"Content-Type: text/plain; charset=x-unknown\n\nPlease withdraw my consent.\n"
    )
    parsed = parse(raw, "inbox#1")
    assert parsed.problems == ()  # nothing was lost: the text is ASCII
    assert "withdraw my consent" in parsed.body
