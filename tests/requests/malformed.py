"""A corpus of malformed mailboxes and messages, as strangers and broken tools make them.

    CASES        every case: how to build it in a folder, and what ingesting it must give
    CANARIES     patterns of what is planted in the messages (an address, a name, a
                 Message-ID that is an address): none may come out of pdpipe in the clear

A case that is no mailbox must exit 2 and write nothing; any other exits 0, with every
message registered, those that cannot be understood for review with the expected reasons.
"""

from __future__ import annotations

import base64
import gzip
import itertools
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.requests.mailboxes import address, alternative, encoded_b, message, text, write_mbox

CANARY_ADDRESS = "kanareika.hostile@mail.ru"
CANARY_NAME = "Канарейкин Злоумышленник"
CANARY_ID = "<kanareika.msgid@mail.ru>"  # a Message-ID that is an address
CANARY_ID_2 = "<kanareika.other@mail.ru>"
CANARIES = (r"kanareika", r"Канарейкин", r"Злоумышленник", r"@mail\.ru", r"hostile-\d")
SENDER = address(CANARY_NAME, CANARY_ADDRESS)
SENT = "Tue, 18 Nov 2025 10:15:00 +0300"
FROM_LINE = b"From kanareika.hostile@mail.ru Tue Nov 18 07:15:00 2025\n"
WITHDRAWAL = "Withdrawal of Consent to Personal Data Processing"
MIB = 2**20
_SERIAL = itertools.count(1)


@dataclass(frozen=True)
class Case:
    """One malformed input. `build` makes it in a folder and returns the path to ingest.
    Exit 0: `registered` rows, `reasons` the review reasons among them (one entry per
    reason per row, sorted), `already` messages recognised as registered already. Exit 2:
    `error`, words of the message."""

    name: str
    build: Callable[[Path], Path]
    exit_code: int = 0
    registered: int = 0
    reasons: tuple[str, ...] = ()
    already: int = 0
    error: str = ""
    needs_non_root: bool = False  # file permissions do not bind root


# --- messages --------------------------------------------------------------------------


def withdrawal(n: int, *, sender: str = SENDER, message_id: str | None = "auto") -> bytes:
    """A well-formed withdrawal from the canary, its Message-ID numbered (or as given)."""
    return message(
        subject=WITHDRAWAL,
        body=text(f"I, {CANARY_NAME}, withdraw my consent to processing ({n}).\n"),
        sender=sender,
        message_id=f"<hostile-{n}@example.org>" if message_id == "auto" else message_id,
        sent=SENT,
    )


def headers(*lines: str, message_id: str | None = "auto") -> bytes:
    """A header section (LF line ends) from the canary, plus `lines`; no blank line. Its
    Message-ID is new at each call, unless given (None: none)."""
    fields = [f"From: {SENDER}", f"Date: {SENT}"]
    if message_id == "auto":
        message_id = f"<hostile-h{next(_SERIAL)}@example.org>"
    if message_id is not None:
        fields.append(f"Message-ID: {message_id}")
    return "".join(f"{line}\n" for line in (*fields, *lines)).encode("ascii")


def nested(depth: int) -> bytes:
    """A withdrawal inside `depth` multipart/mixed parts."""
    body = b"Content-Type: text/plain\n\nI withdraw my consent to processing.\n"
    for level in range(depth):
        boundary = f"b{level}".encode()
        body = (
            b'Content-Type: multipart/mixed; boundary="'
            + boundary
            + b'"\n\n--'
            + boundary
            + b"\n"
            + body
            + b"\n--"
            + boundary
            + b"--\n"
        )
    return headers("Subject: " + WITHDRAWAL, "MIME-Version: 1.0") + body


def with_base64_part(size: int) -> bytes:
    """A withdrawal with an attachment of `size` random bytes, base64."""
    data = random.Random(size).randbytes(size)
    encoded = base64.encodebytes(data)
    return headers(
        "Subject: " + WITHDRAWAL,
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="att"',
    ) + (
        b"\n--att\nContent-Type: text/plain\n\nI withdraw my consent.\n"
        b"--att\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
        + encoded
        + b"--att--\n"
    )


# --- layouts ---------------------------------------------------------------------------


def file_(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return build


def mbox(*raws: bytes) -> Callable[[Path], Path]:
    return lambda folder: write_mbox(folder / "inbox.mbox", raws)


def mbox_bytes(data: bytes) -> Callable[[Path], Path]:
    return file_("inbox.mbox", data)


def eml_folder(files: dict[bytes, bytes]) -> Callable[[Path], Path]:
    """A folder of files by name, as bytes: a name need not be UTF-8."""

    def build(folder: Path) -> Path:
        path = folder / "eml"
        path.mkdir()
        for name, data in files.items():
            Path(os.fsdecode(os.fsencode(path) + b"/" + name)).write_bytes(data)
        return path

    return build


def maildir(
    new: list[bytes] | None = None, cur: list[bytes] | None = None, *, tmp: tuple[bytes, ...] = ()
) -> Callable[[Path], Path]:
    """A Maildir with these sub-folders (None: the sub-folder is missing)."""

    def build(folder: Path) -> Path:
        path = folder / "Maildir"
        path.mkdir()
        (path / "tmp").mkdir()
        for index, raw in enumerate(tmp):
            (path / "tmp" / f"1763450000.M{index}P7.host").write_bytes(raw)
        for sub, raws in (("new", new), ("cur", cur)):
            if raws is None:
                continue
            (path / sub).mkdir()
            for index, raw in enumerate(raws):
                flags = ":2,S" if sub == "cur" else ""
                (path / sub / f"1763450100.M{index}P42.host{flags}").write_bytes(raw)
        return path

    return build


def then(
    build: Callable[[Path], Path], change: Callable[[Path, Path], None]
) -> Callable[[Path], Path]:
    """`build`, then `change(mailbox, folder)`."""

    def built(folder: Path) -> Path:
        path = build(folder)
        change(path, folder)
        return path

    return built


def _outside_link(path: Path, folder: Path) -> None:
    secret = folder / "outside.eml"  # a readable message, but not in the mailbox
    secret.write_bytes(withdrawal(90))
    (path / "new" / "1763450200.M9P42.host").symlink_to(secret)


def _inside_link(path: Path, folder: Path) -> None:
    (path / "new" / "1763450200.M9P42.host").symlink_to(path / "new" / "1763450100.M0P42.host")


def _link_loop(path: Path, folder: Path) -> None:
    (path / "new" / "a.host").symlink_to(path / "new" / "b.host")
    (path / "new" / "b.host").symlink_to(path / "new" / "a.host")


def _unreadable(path: Path, folder: Path) -> None:
    (path / "new" / "1763450100.M0P42.host").chmod(0)


def _fifo_inside(path: Path, folder: Path) -> None:
    os.mkfifo(path / "new" / "1763450300.M1P42.host")


def _clutter(path: Path, folder: Path) -> None:
    (path / "cur" / ".uidlist").write_text("1 2 3\n")
    (path / "cur" / "subfolder").mkdir()
    (path / "maildirfolder").write_text("")


def _linked_eml(folder: Path) -> Path:
    (folder / "elsewhere").mkdir()
    target = file_("request.eml", withdrawal(33))(folder / "elsewhere")
    (folder / "named.eml").symlink_to(target)
    return folder / "named.eml"


def _fifo(folder: Path) -> Path:
    path = folder / "inbox.fifo"
    os.mkfifo(path)
    return path


def _folder(names: dict[str, bytes]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / "box"
        path.mkdir()
        for name, data in names.items():
            if data == b"<dir>":
                (path / name).mkdir()
            else:
                (path / name).write_bytes(data)
        return path

    return build


def _big(folder: Path) -> Path:
    """An mbox of one message over the size limit (26 MiB of base64), then a good one."""
    path = folder / "inbox.mbox"
    with path.open("wb") as out:
        out.write(FROM_LINE + withdrawal(60).replace(b"\n\n", b"\nX-Pad: 1\n\n", 1))
        out.write(b"\n" + FROM_LINE)
        out.write(
            headers("Subject: " + WITHDRAWAL, "Content-Transfer-Encoding: base64", message_id=None)
        )
        out.write(b"\n")
        line = base64.b64encode(b"x" * 57) + b"\n"
        out.write(line * (26 * MIB // len(line)))
    return path


def _truncated(first: int, cut_after: bytes) -> Callable[[Path], Path]:
    """An mbox of two withdrawals, the file cut just after `cut_after` in the second."""

    def build(folder: Path) -> Path:
        second = message(
            subject=WITHDRAWAL,
            body=text("I withdraw my consent. " * 40, encoding="base64"),
            sender=SENDER,
            message_id="<hostile-cut@example.org>",
            sent=SENT,
        )
        cut = second[: second.index(cut_after) + len(cut_after)]
        return mbox_bytes(FROM_LINE + withdrawal(first) + b"\n" + FROM_LINE + cut)(folder)

    return build


def _without(name: bytes, raw: bytes) -> bytes:
    """`raw` without its header field `name` (one line)."""
    start = raw.index(b"\n" + name + b":") + 1
    return raw[:start] + raw[raw.index(b"\n", start) + 1 :]


# --- the corpus ------------------------------------------------------------------------

NOISE = random.Random(19).randbytes(4096)
NOT_MBOX = "not an mbox"
NO_FOLDER = "no .eml file and no Maildir"

CASES: tuple[Case, ...] = (
    # Not mailboxes: exit 2, nothing written.
    Case("random bytes", file_("inbox", NOISE), 2, error=NOT_MBOX),
    Case("a text file", file_("notes.txt", b"Dear team,\nplease find notes.\n"), 2, error=NOT_MBOX),
    Case("JSON", file_("inbox.json", b'{"messages": [{"from": "x"}]}\n'), 2, error=NOT_MBOX),
    Case("HTML", file_("inbox.html", b"<html><body>mail</body></html>\n"), 2, error=NOT_MBOX),
    Case("a gzipped mbox", file_("inbox.mbox.gz", gzip.compress(FROM_LINE)), 2, error=NOT_MBOX),
    Case(
        "a file whose first line starts with From but is no From_ line",
        file_("letter.txt", b"From the desk of the director\n\nHello.\n"),
        2,
        error=NOT_MBOX,
    ),
    Case(
        "an mbox without From_ lines: messages just concatenated",
        mbox_bytes(withdrawal(1) + b"\n" + withdrawal(2)),
        2,
        error=NOT_MBOX,
    ),
    Case("an empty folder", lambda folder: folder, 2, error="it is empty"),
    Case(
        "a folder of other files",
        _folder({"a.txt": b"x", "b.json": b"{}", "c.pdf": b"%PDF", "d.eml": b"<dir>"}),
        2,
        error=NO_FOLDER,
    ),
    Case("a Maildir with only tmp/", maildir(tmp=(withdrawal(3),)), 2, error=NO_FOLDER),
    Case(
        "a path that does not exist",
        lambda folder: folder / "nothing.mbox",
        2,
        error="no mailbox there",
    ),
    Case("a FIFO", _fifo, 2, error="not a file or a folder"),
    # Empty mailboxes: nothing to do.
    Case("an empty file: an empty mbox", mbox_bytes(b"")),
    Case("an empty Maildir", maildir([], [])),
    Case(
        "an mbox of one From_ line and nothing else",
        mbox_bytes(FROM_LINE),
        registered=1,
        reasons=("not_a_message",),
    ),
    # Layouts.
    Case("a Maildir with only new/", maildir([withdrawal(4)], None), registered=1),
    Case("a Maildir with only cur/", maildir(None, [withdrawal(5)]), registered=1),
    Case(
        "a Maildir's tmp/ is not read",
        maildir([withdrawal(6)], [], tmp=(withdrawal(7),)),
        registered=1,
    ),
    Case(
        "dotfiles and folders in a Maildir are not messages",
        then(maildir([], [withdrawal(8)]), _clutter),
        registered=1,
    ),
    Case("one .eml file", file_("request.eml", withdrawal(9)), registered=1),
    Case("a link to one .eml file elsewhere", _linked_eml, registered=1),
    Case(
        "a folder of .eml files with names that are not UTF-8",
        eml_folder({b"\xff\xfe-1.eml": withdrawal(10), b"caf\xe9.EML": withdrawal(11)}),
        registered=2,
    ),
    Case(
        "a symbolic link out of the mailbox is not followed",
        then(maildir([withdrawal(12)], []), _outside_link),
        registered=2,
        reasons=("outside_mailbox",),
    ),
    Case(
        "a symbolic link inside the mailbox is a second copy",
        then(maildir([withdrawal(13)], []), _inside_link),
        registered=1,
        already=1,
    ),
    Case(
        "a loop of symbolic links",
        then(maildir([], []), _link_loop),
        registered=2,
        reasons=("unreadable_file",) * 2,
    ),
    Case(
        "a message file without read permission",
        then(maildir([withdrawal(14)], []), _unreadable),
        registered=1,
        reasons=("unreadable_file",),
        needs_non_root=True,
    ),
    Case(
        "a FIFO among the messages does not block",
        then(maildir([withdrawal(15)], []), _fifo_inside),
        registered=2,
        reasons=("unreadable_file",),
    ),
    # Messages that cannot be understood: registered for review.
    Case(
        "a message without From",
        mbox(_without(b"From", withdrawal(31))),
        registered=1,
        reasons=("no_sender",),
    ),
    Case(
        "a From without an address",
        mbox(withdrawal(16, sender="Undisclosed recipients:;")),
        registered=1,
        reasons=("no_sender",),
    ),
    Case(
        "a message without Message-ID",
        mbox(withdrawal(17, message_id=None)),
        registered=1,
        reasons=("no_message_id",),
    ),
    Case(
        "a Message-ID that is an address, on a message without sender",
        mbox(withdrawal(18, sender="nobody", message_id=CANARY_ID)),
        registered=1,
        reasons=("no_sender",),
    ),
    Case(
        "a Message-ID that is an address, on a message no type is found in",
        mbox(
            message(
                subject="Hello", body=text("Hi"), sender=SENDER, message_id=CANARY_ID_2, sent=SENT
            )
        ),
        registered=1,
        reasons=("unclassified",),
    ),
    Case("the same message twice", mbox(withdrawal(19), withdrawal(19)), registered=1, already=1),
    Case(
        "a Message-ID reused with other content",
        mbox(withdrawal(20), withdrawal(21, message_id="<hostile-20@example.org>")),
        registered=2,
        reasons=("message_id_reused",),
    ),
    Case(
        "the same message with other transport headers is the same message",
        mbox(
            withdrawal(22),
            b"Received: from relay by mx; Tue, 18 Nov 2025\nStatus: RO\n" + withdrawal(22),
        ),
        registered=1,
        already=1,
    ),
    Case(
        "a body in an unknown charset that is not UTF-8",
        mbox(
            headers("Subject: " + WITHDRAWAL, "Content-Type: text/plain; charset=x-broken")
            + b"\nI \xff\xfe withdraw my consent\n"
        ),
        registered=1,
        reasons=("undecodable_body",),
    ),
    Case(
        "a body that is not in its declared charset",
        mbox(
            headers("Subject: " + WITHDRAWAL, "Content-Type: text/plain; charset=utf-8")
            + b"\nI \xff\xfe withdraw\n"
        ),
        registered=1,
        reasons=("undecodable_body",),
    ),
    Case(
        "undecodable base64",
        mbox(
            headers("Subject: " + WITHDRAWAL, "Content-Transfer-Encoding: base64")
            + b"\n!!!not*base64@@@\n"
        ),
        registered=1,
        reasons=("undecodable_body",),
    ),
    Case(
        "an encoded word that is not base64",
        mbox(headers("Subject: =?utf-8?B?0J_RgNC+!!!?=") + b"\nwithdraw my consent\n"),
        registered=1,
        reasons=("undecodable_header",),
    ),
    Case(
        "an encoded word in an unknown charset",
        mbox(headers("Subject: =?x-unknown?Q?Withdrawal_of_consent?=") + b"\nhello\n"),
        registered=1,
        reasons=("undecodable_header",),
    ),
    Case(
        "an encoded word that does not decode in its charset",
        mbox(headers("Subject: =?utf-8?Q?=FF=FE_consent?=") + b"\nhello\n"),
        registered=1,
        reasons=("undecodable_header",),
    ),
    Case(
        "bytes in the Subject that are not UTF-8",
        mbox(headers() + b"Subject: \xcf\xf0\xee\xf8\xf3\n\nwithdraw my consent\n"),
        registered=1,
        reasons=("undecodable_header",),
    ),
    Case(
        "a display name that does not decode still leaves the address",
        mbox(withdrawal(23, sender=f"=?x-unknown?B?AAAA?= <{CANARY_ADDRESS}>")),
        registered=1,
    ),
    Case(
        "a Subject of 2 MiB",
        mbox(headers("Subject: " + "withdraw " * (2 * MIB // 9)) + b"\nx\n"),
        registered=1,
        reasons=("header_too_large",),
    ),
    Case(
        "a From of 300,000 addresses",
        mbox(withdrawal(32).replace(b"From: ", b"From: " + b"a@b.example, " * 300_000, 1)),
        registered=1,
        reasons=("header_too_large",),
    ),
    Case(
        "a Content-Type of 1 MiB inside a part",
        mbox(
            headers("Subject: x", 'Content-Type: multipart/mixed; boundary="z"')
            + b"\n--z\nContent-Type: text/plain; x="
            + b"y" * MIB
            + b"\n\nwithdraw\n--z--\n"
        ),
        registered=1,
        reasons=("header_too_large",),
    ),
    Case("parts nested 100 deep", mbox(nested(100)), registered=1, reasons=("too_deep",)),
    Case("parts nested 5,000 deep", mbox(nested(5000)), registered=1, reasons=("too_deep",)),
    Case("parts nested 10 deep are read", mbox(nested(10)), registered=1),
    Case(
        "a base64 attachment of 8 MiB is no matter", mbox(with_base64_part(8 * MIB)), registered=1
    ),
    Case(
        "a message over the size limit, and a good one",
        _big,
        registered=2,
        reasons=("no_message_id", "too_large"),
    ),
    Case(
        "NUL bytes in the From and the body",
        mbox(
            headers("Subject: " + WITHDRAWAL).replace(b".ru>", b".ru\x00>", 1) + b"\nwith\x00draw\n"
        ),
        registered=1,
        reasons=("no_sender",),
    ),
    Case(
        "NUL bytes in the body only",
        mbox(withdrawal(24).replace(b"withdraw my", b"withdraw\x00 my")),
        registered=1,
    ),
    Case(
        "CRLF and LF mixed in one message",
        eml_folder({b"mixed.eml": withdrawal(25).replace(b"\n", b"\r\n", 3)}),
        registered=1,
    ),
    Case(
        "an mbox with CRLF line ends throughout",
        mbox_bytes(
            (FROM_LINE + withdrawal(26) + b"\n" + FROM_LINE + withdrawal(27)).replace(
                b"\n", b"\r\n"
            )
        ),
        registered=2,
    ),
    Case(
        "an unescaped From_ line in a body splits it, and the rest is registered",
        mbox_bytes(
            FROM_LINE
            + withdrawal(28)
            + b"\nFrom somebody Tue Nov 18 07:15:00 2025\nthe rest of the body\n"
        ),
        registered=2,
        reasons=("not_a_message",),
    ),
    Case(
        "a body line starting with From splits nothing",
        mbox_bytes(FROM_LINE + withdrawal(29) + b"\nFrom what I understand, that is all.\n"),
        registered=1,
    ),
    Case(
        "an mbox cut inside a header",
        _truncated(70, b"Message-I"),
        registered=2,
        reasons=("no_message_id",),
    ),
    Case(
        "an mbox cut inside a base64 body",
        _truncated(71, b"SSB3aXRoZHJhdyBteSBjb2"),  # 22 characters: a quantum cut short
        registered=2,
        reasons=("undecodable_body",),
    ),
    Case(
        "a .eml file of random bytes",
        file_("noise.eml", NOISE),
        registered=1,
        reasons=("not_a_message",),
    ),
    Case(
        "a folder where one .eml is plain text",
        eml_folder({b"a.eml": withdrawal(30), b"b.eml": b"just some text\n", b"c.txt": b"x"}),
        registered=2,
        reasons=("not_a_message",),
    ),
    Case(
        "a header section without end",
        mbox_bytes(FROM_LINE + headers("Subject: " + WITHDRAWAL)),
        registered=1,
    ),
    Case(
        "a multipart without its closing boundary",
        mbox(
            headers("Subject: Hello", 'Content-Type: multipart/alternative; boundary="q"')
            + b"\n--q\nContent-Type: text/plain\n\nplease delete my personal data\n"
        ),
        registered=1,
    ),
    Case(
        "an unknown charset on ASCII text loses nothing",
        mbox(
            message(
                subject=encoded_b("Отзыв согласия"),
                body=alternative(
                    text("x", charset="utf-8"), text("<p>y</p>", subtype="html", charset="utf-8")
                ),
                sender=SENDER,
                message_id="<hostile-alt@example.org>",
                sent=SENT,
            ).replace(b"charset=utf-8", b"charset=no-such-charset")
        ),
        registered=1,
    ),
    Case(
        "a Content-Type of 3,000 parameters in each of 200 parts",
        mbox(
            headers("Subject: Hello", 'Content-Type: multipart/mixed; boundary="p"')
            + b"\n"
            + (b"--p\nContent-Type: text/plain" + b"; a=b" * 3000 + b"\n\nhello\n") * 200
            + b"--p--\n"
        ),
        registered=1,
        reasons=("unclassified",),
    ),
)
