"""Messages from a mailbox: an mbox file, a Maildir, or a folder of `.eml` files.

Each message is parsed with the standard library's modern email policy (RFC 2047 encoded
words, any declared charset such as koi8-r or windows-1251, base64 and quoted-printable
bodies); an HTML-only body is reduced to its text. A message that cannot be read is
yielded as a failure naming its Message-ID, and the others go on.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import hashlib
import mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

from pdpipe.errors import BadInput


@dataclass(frozen=True)
class Message:
    """What pdpipe needs of one message; `sender` and `body` are personal data."""

    message_id: str
    sender: str
    subject: str
    body: str
    sent_at: dt.datetime | None  # from the Date header, UTC; None when absent or unreadable

    @property
    def key(self) -> str:
        """The Message-ID's SHA-256: the register's idempotency key."""
        return hashlib.sha256(self.message_id.encode()).hexdigest()


@dataclass(frozen=True)
class Unreadable:
    message_id: str
    problem: str


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        elif tag in ("br", "p", "div", "li", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def check_mailbox(path: Path) -> None:
    """BadInput unless `path` is a mailbox pdpipe can read; before anything is written."""
    if not (path.is_file() or path.is_dir()):
        raise BadInput(
            f"{path}: no mailbox there (expected an mbox file, a Maildir or a folder of .eml files)"
        )


def _sources(path: Path) -> Iterator[tuple[str, bytes]]:
    """(where, raw bytes) of every message at `path`."""
    check_mailbox(path)
    if path.is_file():
        box = mailbox.mbox(path, create=False)
        try:
            for index, key in enumerate(box.iterkeys()):
                yield f"{path.name}#{index + 1}", box.get_bytes(key)
        finally:
            box.close()
    elif (path / "cur").is_dir() and (path / "new").is_dir():
        maildir = mailbox.Maildir(path, create=False)
        for key in sorted(maildir.iterkeys()):
            yield key, maildir.get_bytes(key)
    elif path.is_dir():
        for file in sorted(path.glob("*.eml")):
            yield file.name, file.read_bytes()
    else:
        raise BadInput(
            f"{path}: no mailbox there (expected an mbox file, a Maildir or a folder of .eml files)"
        )


def _date(message: EmailMessage) -> dt.datetime | None:
    header = message.get("Date")
    if header is None:
        return None
    try:
        sent = email.utils.parsedate_to_datetime(str(header))
    except (TypeError, ValueError, IndexError):
        return None
    if sent.tzinfo is None:  # RFC 5322 "-0000": the zone is unknown; read as UTC
        sent = sent.replace(tzinfo=dt.UTC)
    return sent.astimezone(dt.UTC)


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except LookupError:  # a charset Python does not know: read what can be read
        content = part.get_payload(decode=True) or b""
    text = content if isinstance(content, str) else content.decode("utf-8", "replace")
    return html_text(text) if part.get_content_subtype() == "html" else text


def parse(raw: bytes, where: str) -> Message | Unreadable:
    """One message, or why it cannot be used (named by its Message-ID, else `where`)."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        message_id = str(message.get("Message-ID") or "").strip()
    except Exception as exc:  # the parser itself failed: nothing to name it by but `where`
        return Unreadable(f"({where})", f"cannot be parsed: {type(exc).__name__}")
    name = message_id or f"({where})"
    if not message_id:
        return Unreadable(name, "has no Message-ID")
    try:
        _, sender = email.utils.parseaddr(str(message.get("From") or ""))
        if "@" not in sender:
            return Unreadable(name, "has no sender address in From")
        subject = str(message.get("Subject") or "")
        body = _body(message)
    except Exception as exc:  # a broken header or body: this message only
        return Unreadable(name, f"cannot be read: {type(exc).__name__}")
    return Message(message_id, sender, subject, body, _date(message))


def read_mailbox(path: Path) -> Iterator[Message | Unreadable]:
    for where, raw in _sources(Path(path)):
        yield parse(raw, where)
