"""Realistic raw RFC 5322 messages, and the three mailbox layouts pdpipe reads them from.

Messages are assembled byte by byte, the way mail clients send them: RFC 2047 encoded
words in headers (utf-8 in B, koi8-r in Q), bodies in utf-8, koi8-r (8bit) and
windows-1251 (base64), HTML-only and multipart/alternative bodies. Lines end in LF, as
`mailbox` stores them, so the same message reads the same from every layout.

    standard_mailbox()      [(raw bytes, expected RequestType or None), ...], all readable
    problem_mailbox()       the same, plus one without Message-ID and one delivered twice
    en_withdraw(), ...      each message on its own (BUILDERS: all of them by name)
    write_mbox / write_maildir / write_eml_folder(path, raws); write(layout, dir, raws)
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import mailbox
import quopri
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from pdpipe.requests.classify import RequestType

# --- headers -------------------------------------------------------------------------


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def encoded_b(text: str, charset: str = "utf-8") -> str:
    """RFC 2047 B encoded words, folded: each word under 76 characters, characters never
    split between words."""
    words = [
        f"=?{charset}?B?{base64.b64encode(chunk.encode(charset)).decode('ascii')}?="
        for chunk in _chunks(text, 12)
    ]
    return "\n ".join(words)


def encoded_q(text: str, charset: str = "koi8-r") -> str:
    """RFC 2047 Q encoded words (`_` for a space, `=XX` for any other non-alphanumeric)."""

    def q(chunk: str) -> str:
        out = []
        for byte in chunk.encode(charset):
            if byte == 0x20:
                out.append("_")
            elif chr(byte).isascii() and chr(byte).isalnum():
                out.append(chr(byte))
            else:
                out.append(f"={byte:02X}")
        return "".join(out)

    return "\n ".join(f"=?{charset}?Q?{q(chunk)}?=" for chunk in _chunks(text, 10))


def address(name: str, addr: str) -> str:
    """`Display Name <addr>`, the name RFC 2047 encoded when it is not ASCII."""
    return email.utils.formataddr((name, addr), charset="utf-8")


def date(year: int, month: int, day: int, hour: int, minute: int, offset_hours: int) -> str:
    """An RFC 5322 Date header value in a given UTC offset, e.g. `... 14:05:00 +0500`."""
    zone = dt.timezone(dt.timedelta(hours=offset_hours))
    return email.utils.format_datetime(dt.datetime(year, month, day, hour, minute, tzinfo=zone))


# --- bodies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A MIME entity: its Content-* headers and its encoded payload."""

    headers: tuple[tuple[str, str], ...]
    payload: bytes


def text(
    content: str, *, subtype: str = "plain", charset: str = "utf-8", encoding: str = "8bit"
) -> Part:
    """A text/* part in `charset`, with Content-Transfer-Encoding 8bit, base64 or
    quoted-printable."""
    data = content.encode(charset)
    if encoding == "base64":
        payload = base64.encodebytes(data)
    elif encoding == "quoted-printable":
        payload = quopri.encodestring(data)
    elif encoding in ("7bit", "8bit"):
        payload = data
    else:
        raise ValueError(encoding)
    headers = (
        ("Content-Type", f"text/{subtype}; charset={charset}"),
        ("Content-Transfer-Encoding", encoding),
    )
    return Part(headers, payload)


def alternative(*parts: Part, boundary: str = "=_alt_7f3a9c") -> Part:
    """multipart/alternative of `parts`, simplest first."""
    chunks = [b"This is a multi-part message in MIME format.\n"]
    for part in parts:
        head = "".join(f"{name}: {value}\n" for name, value in part.headers)
        chunks.append(f"--{boundary}\n{head}\n".encode("ascii") + part.payload)
        if not part.payload.endswith(b"\n"):
            chunks.append(b"\n")
    chunks.append(f"--{boundary}--\n".encode("ascii"))
    headers = (("Content-Type", f'multipart/alternative; boundary="{boundary}"'),)
    return Part(headers, b"".join(chunks))


# --- messages --------------------------------------------------------------------------


def message(
    *,
    subject: str,
    body: Part,
    sender: str = "John Smith <john.smith@example.com>",
    message_id: str | None = None,
    sent: str | None = "Tue, 18 Nov 2025 10:15:00 +0000",
) -> bytes:
    """Raw bytes of one message. `subject`, `sender` and `sent` are header values as they
    go on the wire (encode non-ASCII with `encoded_b`, `encoded_q` or `address`)."""
    headers: list[tuple[str, str]] = [("Return-Path", f"<{email.utils.parseaddr(sender)[1]}>")]
    if sent is not None:
        headers.append(("Date", sent))
    headers += [("From", sender), ("To", RECIPIENT)]
    headers.append(("Subject", subject))
    if message_id is not None:
        headers.append(("Message-ID", message_id))
    headers += [("MIME-Version", "1.0"), *body.headers]
    head = "".join(f"{name}: {value}\n" for name, value in headers)
    payload = body.payload if body.payload.endswith(b"\n") else body.payload + b"\n"
    # A header on the wire is ASCII: this raises if a value was left unencoded.
    return head.encode("ascii") + b"\n" + payload


RECIPIENT = address("Оператор ПДн", "privacy@example.ru")
IVAN = address("Иван Петров", "ivan.petrov+news@mail.ru")
MARIA = address("Мария Сидорова", "m.sidorova@yandex.ru")
OLGA = address("Ольга Кузнецова", "olga.k@rambler.ru")
JOHN = address("John Smith", "john.smith@example.com")
JANE = address("Jane O'Connor", "jane.oconnor@example.org")

# Texts that tests assert on after decoding.
KOI8_BODY = (
    "Здравствуйте!\n\n"
    "Прошу обновить мои персональные данные.\n"
    "Новая фамилия: Иванова\n"
    "Телефон: 8 (916) 000-00-00\n\n"
    "С уважением,\nМария\n"
)
CP1251_BODY = (
    "Добрый день.\n\n"
    "Прошу уничтожить мои персональные данные, обрабатываемые вашей компанией,\n"
    "в связи с достижением цели обработки.\n\n"
    "Ольга Кузнецова\n"
)
HTML_REQUEST = "Прошу прекратить обработку моих персональных данных"
HTML_BODY = (
    "<!DOCTYPE html>\n<html><head>\n"
    '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
    "<style>p { color: #333; } .secret::after { content: 'style-leak'; }</style>\n"
    "<script>var note = 'script-leak: please delete my personal data';</script>\n"
    "</head><body>\n"
    "<div>Здравствуйте,</div>\n"
    f"<p><b>{HTML_REQUEST}</b> &laquo;ООО&nbsp;Ромашка&raquo;.</p>\n"
    "<p>С уважением,<br>Иван Петров</p>\n"
    "</body></html>\n"
)
RU_WITHDRAW = "Отзыв согласия на обработку персональных данных"
RU_UPDATE = "Обновление персональных данных"
EN_WITHDRAW = "Withdrawal of Consent to Personal Data Processing"
EN_UPDATE = "Personal Data Update"
RU_ACCESS_BODY = (
    "Добрый день!\n\n"
    "Прошу предоставить сведения об обработке моих персональных данных:\n"
    "какие данные, с какой целью и кому они передавались.\n"
)


def en_withdraw() -> bytes:
    return message(
        subject=EN_WITHDRAW,
        sender=JOHN,
        message_id="<en-withdraw.1@mail.example.com>",
        sent=date(2025, 11, 17, 9, 0, 0),
        body=text(
            "Dear Sir or Madam,\n\n"
            "I hereby withdraw my consent to the processing of my personal data.\n\n"
            "Regards,\nJohn Smith\n"
        ),
    )


def en_update() -> bytes:
    return message(
        subject=EN_UPDATE,
        sender=JANE,
        message_id="<en-update.2@mail.example.org>",
        sent=date(2025, 11, 17, 11, 30, -5),
        body=text(
            "Hello,\n\nPlease update my details.\n"
            "New email: jane.oconnor@example.net\n"
            "Phone: +1 555 0100\n\nThanks,\nJane\n",
            encoding="7bit",
        ),
    )


def ru_withdraw() -> bytes:
    """utf-8 B subject, quoted-printable utf-8 body, +0300."""
    return message(
        subject=encoded_b(RU_WITHDRAW),
        sender=IVAN,
        message_id="<ru-withdraw.3@mail.ru>",
        sent=date(2025, 11, 18, 14, 5, 3),
        body=text(
            "Здравствуйте!\n\nНастоящим отзываю согласие на обработку моих персональных "
            "данных.\n\nИван Петров\n",
            encoding="quoted-printable",
        ),
    )


def ru_update_koi8() -> bytes:
    """koi8-r Q subject and a koi8-r 8bit body, +0500."""
    return message(
        subject=encoded_q(RU_UPDATE),
        sender=MARIA,
        message_id="<ru-update-koi8.4@yandex.ru>",
        sent="Tue, 18 Nov 2025 14:05:00 +0500",
        body=text(KOI8_BODY, charset="koi8-r", encoding="8bit"),
    )


def re_en_withdraw() -> bytes:
    return message(
        subject=f"Re: {EN_WITHDRAW}",
        sender=JOHN,
        message_id="<re-en-withdraw.5@mail.example.com>",
        sent=date(2025, 11, 19, 8, 45, 0),
        body=text(
            "Any news on this?\n\n"
            "> I hereby withdraw my consent to the processing of my personal data.\n"
        ),
    )


def re_fwd_en_update() -> bytes:
    return message(
        subject=f"RE: Fwd: {EN_UPDATE}",
        sender=JANE,
        message_id="<re-fwd-en-update.6@mail.example.org>",
        sent=date(2025, 11, 19, 16, 0, 1),
        body=text("Correct phone number: +44 20 7946 0000\n"),
    )


def otv_ru_withdraw() -> bytes:
    return message(
        subject=encoded_b(f"Отв: {RU_WITHDRAW}"),
        sender=IVAN,
        message_id="<otv-ru-withdraw.7@mail.ru>",
        sent=date(2025, 11, 20, 10, 0, 3),
        body=text("Напоминаю о моём заявлении.\n"),
    )


def fwd_en_destroy() -> bytes:
    return message(
        subject="Fwd: Please delete my personal data",
        sender=JOHN,
        message_id="<fwd-en-destroy.8@mail.example.com>",
        sent=date(2025, 11, 20, 12, 0, 0),
        body=text(
            "---------- Forwarded message ---------\n"
            "Please delete my personal data held by your company.\n"
        ),
    )


def ru_destroy_cp1251() -> bytes:
    """A neutral subject and a windows-1251 body in base64: the body decides."""
    return message(
        subject=encoded_b("Обращение"),
        sender=OLGA,
        message_id="<ru-destroy-cp1251.9@rambler.ru>",
        sent=date(2025, 11, 21, 9, 30, 3),
        body=text(CP1251_BODY, charset="windows-1251", encoding="base64"),
    )


def ru_cease_html() -> bytes:
    """text/html only, no text/plain part."""
    return message(
        subject=encoded_b("Здравствуйте"),
        sender=IVAN,
        message_id="<ru-cease-html.10@mail.ru>",
        sent=date(2025, 11, 21, 18, 20, 3),
        body=text(HTML_BODY, subtype="html", encoding="quoted-printable"),
    )


def en_block_alternative() -> bytes:
    """multipart/alternative: text/plain and text/html saying the same."""
    return message(
        subject="Hello",
        sender=JANE,
        message_id="<en-block-alt.11@mail.example.org>",
        sent=date(2025, 11, 22, 7, 10, 0),
        body=alternative(
            text("Please block my personal data until my complaint is resolved.\n"),
            text(
                "<html><body><p>Please <b>block my personal data</b> until my complaint "
                "is resolved.</p></body></html>\n",
                subtype="html",
            ),
        ),
    )


def ru_block() -> bytes:
    return message(
        subject=encoded_b("Блокирование персональных данных"),
        sender=MARIA,
        message_id="<ru-block.12@yandex.ru>",
        sent=date(2025, 11, 22, 13, 0, 3),
        body=text("Прошу заблокировать мои персональные данные на время проверки.\n"),
    )


def en_access() -> bytes:
    return message(
        subject="What personal data do you hold about me?",
        sender=JOHN,
        message_id="<en-access.13@mail.example.com>",
        sent=date(2025, 11, 23, 15, 45, 0),
        body=text("Please send me a copy.\n"),
    )


def ru_access() -> bytes:
    return message(
        subject=encoded_b("Добрый день"),
        sender=OLGA,
        message_id="<ru-access.14@rambler.ru>",
        sent=date(2025, 11, 23, 17, 0, 3),
        body=text(RU_ACCESS_BODY),
    )


def spam() -> bytes:
    return message(
        subject="Cheap watches",
        sender=address("Best Deals", "deals@cheap-watches.example"),
        message_id="<spam.15@cheap-watches.example>",
        sent=date(2025, 11, 24, 3, 33, 8),
        body=text("Replica watches 90% off! Click here to unsubscribe.\n"),
    )


def ru_destroy_bad_date() -> bytes:
    """A Date header no parser can read."""
    return message(
        subject=encoded_b("Удаление данных"),
        sender=IVAN,
        message_id="<ru-destroy-bad-date.16@mail.ru>",
        sent="Someday, 45 Smarch 20x5 25:61 +9999",
        body=text("Прошу удалить все мои данные.\n"),
    )


def without_message_id() -> bytes:
    return message(
        subject="Personal data",
        sender=JOHN,
        message_id=None,
        sent=date(2025, 11, 24, 9, 0, 0),
        body=text("Please delete my personal data.\n"),
    )


BUILDERS: dict[str, Callable[[], bytes]] = {
    builder.__name__: builder
    for builder in (
        en_withdraw,
        en_update,
        ru_withdraw,
        ru_update_koi8,
        re_en_withdraw,
        re_fwd_en_update,
        otv_ru_withdraw,
        fwd_en_destroy,
        ru_destroy_cp1251,
        ru_cease_html,
        en_block_alternative,
        ru_block,
        en_access,
        ru_access,
        spam,
        ru_destroy_bad_date,
        without_message_id,
    )
}

# The standard mailbox: every message readable, each Message-ID once, in this order.
STANDARD: tuple[tuple[str, RequestType | None], ...] = (
    ("en_withdraw", RequestType.WITHDRAW_CONSENT),
    ("en_update", RequestType.UPDATE),
    ("ru_withdraw", RequestType.WITHDRAW_CONSENT),
    ("ru_update_koi8", RequestType.UPDATE),
    ("re_en_withdraw", RequestType.WITHDRAW_CONSENT),
    ("re_fwd_en_update", RequestType.UPDATE),
    ("otv_ru_withdraw", RequestType.WITHDRAW_CONSENT),
    ("fwd_en_destroy", RequestType.DESTROY),
    ("ru_destroy_cp1251", RequestType.DESTROY),
    ("ru_cease_html", RequestType.CEASE),
    ("en_block_alternative", RequestType.BLOCK),
    ("ru_block", RequestType.BLOCK),
    ("en_access", RequestType.ACCESS),
    ("ru_access", RequestType.ACCESS),
    ("spam", None),
    ("ru_destroy_bad_date", RequestType.DESTROY),
)


def standard_mailbox() -> list[tuple[bytes, RequestType | None]]:
    """(raw message, the request type it must be classified as; None: review)."""
    return [(BUILDERS[name](), expected) for name, expected in STANDARD]


# Where `problem_mailbox` puts the message without a Message-ID (1-based, as mbox names it).
NO_ID_POSITION = 3


def problem_mailbox() -> list[bytes]:
    """The standard mailbox with a message without Message-ID at `NO_ID_POSITION` and the
    first message delivered a second time at the end."""
    raws = [raw for raw, _ in standard_mailbox()]
    raws.insert(NO_ID_POSITION - 1, without_message_id())
    raws.append(en_withdraw())
    return raws


# --- layouts ---------------------------------------------------------------------------


def _from_line(raw: bytes) -> bytes:
    """The mbox `From sender asctime` separator, from Return-Path and Date."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    sender = email.utils.parseaddr(str(headers.get("Return-Path", "")))[1] or "MAILER-DAEMON"
    parsed = email.utils.parsedate_tz(str(headers.get("Date", "")))
    stamp = email.utils.mktime_tz(parsed) if parsed else 1764000000
    when = dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%a %b %d %H:%M:%S %Y")
    return f"From {sender} {when}\n".encode("ascii")


def write_mbox(path: Path, raws: Iterable[bytes]) -> Path:
    """One mbox file (mboxo, as `mailbox.mbox` writes it) holding `raws` in order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.mbox(path, create=True)
    try:
        box.lock()
        for raw in raws:
            box.add(_from_line(raw) + raw)
        box.flush()
        box.unlock()
    finally:
        box.close()
    return path


def write_maildir(path: Path, raws: Iterable[bytes]) -> Path:
    """A Maildir (cur/, new/, tmp/): every second message already seen by a mail client,
    moved to cur/ with the `:2,S` flag, the others unread in new/."""
    path.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(path, create=True)
    try:
        for index, raw in enumerate(raws):
            key = box.add(raw)
            if index % 2:
                (path / "new" / key).rename(path / "cur" / f"{key}:2,S")
    finally:
        box.close()
    return path


def write_eml_folder(path: Path, raws: Iterable[bytes], *, crlf: bool = False) -> Path:
    """A folder of `001.eml`, `002.eml`, ... in order; with `crlf` lines end in CRLF, as
    Outlook and Thunderbird save them."""
    path.mkdir(parents=True, exist_ok=True)
    for index, raw in enumerate(raws, start=1):
        data = raw.replace(b"\n", b"\r\n") if crlf else raw
        (path / f"{index:03d}.eml").write_bytes(data)
    return path


def write(layout: str, path: Path, raws: Sequence[bytes]) -> Path:
    """`write_mbox`, `write_maildir` or `write_eml_folder` by name: "mbox", "maildir", "eml"."""
    if layout == "mbox":
        return write_mbox(path / "inbox.mbox", raws)
    if layout == "maildir":
        return write_maildir(path / "Maildir", raws)
    if layout == "eml":
        return write_eml_folder(path / "eml", raws)
    raise ValueError(layout)


LAYOUTS = ("mbox", "maildir", "eml")
