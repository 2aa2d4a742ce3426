"""Messages from a mailbox: an mbox file, a Maildir, a folder of `.eml` files, or one
`.eml` file.

Each message is parsed with the standard library's `email` package: RFC 2047 encoded
words, any declared charset such as koi8-r or windows-1251, base64 and quoted-printable
bodies; an HTML-only body is reduced to its text.

Mail comes from strangers, so nothing here trusts it. A path that is no mailbox is bad
input before anything is read (`open_mailbox`). A message that cannot be understood is
still a message: it comes out with the reasons (`ReviewReason`, a fixed vocabulary) and is
registered for a person to read, with a deadline, never dropped. Time and memory are
bounded whatever the input: an mbox is read as a stream, one message at a time; a message
over `MAX_MESSAGE_BYTES` is not parsed (its header section is, for its Message-ID and
sender); header fields over `MAX_FIELD_BYTES` are not parsed (Python's header parser is
quadratic in them); MIME nesting is limited. A message is named by where it is and a short
digest of its content (`Message.name`), never by a header value: a Message-ID can be an
address.
"""

from __future__ import annotations

import binascii
import codecs
import datetime as dt
import email
import email.errors
import email.policy
import email.utils
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message as Message_
from email.parser import BytesParser
from email.policy import compat32
from enum import StrEnum
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO, Literal

from pdpipe.errors import BadInput

MAX_MESSAGE_BYTES = 25 * 2**20  # a message above it: registered for review, not parsed
HEAD_BYTES = 256 * 2**10  # of a message over the limit, the part read for its header
MAX_FIELD_BYTES = 16 * 2**10  # a header field pdpipe parses (From, Subject, Content-Type…)
MAX_DEPTH = 32  # MIME parts inside parts
MAX_TEXT_CHARS = 2**20  # of a body's text, what is classified (a request says it early)
_CHUNK = 2**20  # files are read in blocks of this

NOT_A_MAILBOX = "expected an mbox file, a Maildir, a folder of .eml files or one .eml file"


class ReviewReason(StrEnum):
    """Why a registered message waits for a person; the register keeps these words only."""

    UNCLASSIFIED = "unclassified"  # readable, but no request type (or several) in it
    NOT_A_MESSAGE = "not_a_message"  # no header a message has (From, Date, Subject, …)
    UNPARSEABLE = "unparseable"  # the parser failed on it
    NO_MESSAGE_ID = "no_message_id"
    NO_SENDER = "no_sender"  # no address in From
    UNDECODABLE_HEADER = "undecodable_header"  # its Subject: bytes or encoded words lost
    UNDECODABLE_BODY = "undecodable_body"  # its text's transfer encoding or charset lost
    TOO_LARGE = "too_large"  # over MAX_MESSAGE_BYTES: only its header section was read
    HEADER_TOO_LARGE = "header_too_large"  # a field pdpipe reads is over MAX_FIELD_BYTES
    TOO_DEEP = "too_deep"  # MIME parts nested deeper than MAX_DEPTH
    UNREADABLE_FILE = "unreadable_file"  # the file could not be read (permissions, I/O)
    OUTSIDE_MAILBOX = "outside_mailbox"  # a symbolic link out of the mailbox: not followed
    MESSAGE_ID_REUSED = "message_id_reused"  # a registered message has its ID, other content


@dataclass(frozen=True)
class Message:
    """What pdpipe needs of one message. `message_id`, `sender`, `subject` and `body` are
    personal data: they stay out of its repr, and out of every output."""

    where: str  # "inbox.mbox#6", "Maildir/new#2", "eml#3": a place, never a header
    digest: str  # SHA-256 that recognises the message again (content_digest)
    message_id: str | None = field(default=None, repr=False)
    sender: str | None = field(default=None, repr=False)
    subject: str = field(default="", repr=False)
    body: str = field(default="", repr=False)
    sent_at: dt.datetime | None = None  # from the Date header, UTC; None when absent or bad
    problems: tuple[ReviewReason, ...] = ()  # why a person must read it; () for none

    @property
    def name(self) -> str:
        """How outputs name it: its place and the start of its digest."""
        return f"{self.where} [{self.digest[:12]}]"

    @property
    def id_key(self) -> str | None:
        """The Message-ID's SHA-256 (the register's key since its first version)."""
        if self.message_id is None:
            return None
        return hashlib.sha256(self.message_id.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Raw:
    """One message's bytes as found: all of them, or for one over the size limit its first
    HEAD_BYTES; or none, when the file could not or must not be read."""

    where: str
    data: bytes
    problem: ReviewReason | None = None
    digest: str | None = None  # set when `data` is not the whole message


@dataclass(frozen=True)
class Mailbox:
    """A path found to be a mailbox, and how to read it."""

    path: Path
    kind: Literal["mbox", "maildir", "eml-folder", "eml"]
    ignored: int = 0  # files beside the messages that are no messages (not .eml, dotfiles)

    def raws(self) -> Iterator[Raw]:
        name = shown(self.path.name)
        if self.kind == "mbox":
            yield from _mbox(self.path)
        elif self.kind == "eml":
            # The file the user named is read wherever a link to it leads.
            yield _file(self.path, f"{name}#1", self.path.resolve().parent)
        elif self.kind == "maildir":
            for sub in ("new", "cur"):  # tmp/ holds deliveries not finished: never read
                folder = self.path / sub
                if folder.is_dir():
                    files = _entries(folder, lambda _: True)[0]
                    for index, file in enumerate(files, start=1):
                        yield _file(file, f"{name}/{sub}#{index}", self.path)
        else:
            files = _entries(self.path, _is_eml)[0]
            for index, file in enumerate(files, start=1):
                yield _file(file, f"{name}#{index}", self.path)


# --- what is a mailbox -----------------------------------------------------------------

# RFC 4155: "From " sender asctime. The time and the year are required, so that a body
# line that merely starts with "From " (left unescaped by a careless writer) splits nothing.
_FROM_LINE = re.compile(rb"From \S*[ \t]+(?=[^\n]*\b\d{1,2}:\d\d)(?=[^\n]*\b\d{4}\b)")


def _is_from_line(line: bytes) -> bool:
    return line.startswith(b"From ") and len(line) <= 1000 and _FROM_LINE.match(line) is not None


def _is_eml(path: Path) -> bool:
    return path.suffix.lower() == ".eml"


def _entries(folder: Path, wanted: Callable[[Path], bool]) -> tuple[list[Path], int]:
    """(the files `wanted` picks, sorted by name; how many other entries there are).
    Dotfiles are never messages (Maildir keeps its own state in them); folders neither."""
    try:
        names = sorted(entry.name for entry in folder.iterdir())
    except OSError as exc:
        problem = type(exc).__name__
        raise BadInput(f"{shown(str(folder))}: cannot list the folder ({problem})") from None
    chosen = [folder / n for n in names if not n.startswith(".") and wanted(folder / n)]
    chosen = [p for p in chosen if not p.is_dir() or p.is_symlink()]
    return chosen, len(names) - len(chosen)


def open_mailbox(path: Path) -> Mailbox:
    """The mailbox at `path`, or BadInput saying what was found and what is expected;
    nothing is read beyond what tells them apart.

    A file is an mbox when it is empty or its first line is an mbox `From ` line; a file
    named `*.eml` is one message. A folder is a Maildir when it has `new/` or `cur/`,
    else a folder of `.eml` files when it holds at least one."""
    path = Path(path)
    here = shown(str(path))
    if path.is_file():
        try:
            with path.open("rb") as file:
                first = file.readline(1001)
        except OSError as exc:
            raise BadInput(f"{here}: cannot read the file ({type(exc).__name__})") from None
        if not first or _is_from_line(first):
            return Mailbox(path, "mbox")
        if _is_eml(path):
            return Mailbox(path, "eml")
        raise BadInput(
            f"{here}: not an mbox (its first line is not an mbox 'From ' line, "
            f"'From <sender> <date>') and not named .eml; {NOT_A_MAILBOX}"
        )
    if path.is_dir():
        if (path / "new").is_dir() or (path / "cur").is_dir():
            ignored = sum(
                _entries(path / sub, lambda _: True)[1]
                for sub in ("new", "cur")
                if (path / sub).is_dir()
            )
            return Mailbox(path, "maildir", ignored)
        emls, others = _entries(path, _is_eml)
        if emls:
            return Mailbox(path, "eml-folder", others)
        found = f"{others} other entries" if others else "it is empty"
        raise BadInput(
            f"{here}: a folder with no .eml file and no Maildir new/ or cur/ ({found}); "
            f"{NOT_A_MAILBOX}"
        )
    what = "no such file or folder" if not path.exists() else "not a file or a folder"
    raise BadInput(f"{here}: no mailbox there ({what}); {NOT_A_MAILBOX}")


def check_mailbox(path: Path) -> None:
    """BadInput unless `path` is a mailbox pdpipe can read; before anything is written."""
    open_mailbox(path)


# --- reading bytes, bounded ------------------------------------------------------------


class _Collector:
    """One message's bytes as they stream in: all of them up to the limit; past it, only
    the head is kept and the rest goes into a digest."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.parts: list[bytes] = []
        self.size = 0
        self.hasher: hashlib._Hash | None = None

    def add(self, data: bytes) -> None:
        self.size += len(data)
        if self.hasher is not None:
            self.hasher.update(data)
            return
        self.parts.append(data)
        if self.size > MAX_MESSAGE_BYTES:
            whole = b"".join(self.parts)
            self.hasher = hashlib.sha256(whole)
            self.parts = [whole[:HEAD_BYTES]]

    def raw(self) -> Raw:
        if self.hasher is None:
            return Raw(self.where, b"".join(self.parts))
        return Raw(self.where, self.parts[0], ReviewReason.TOO_LARGE, self.hasher.hexdigest())


class _MboxMessage:
    """A message of an mbox as its blocks arrive. Its last bytes wait: an empty line
    before the next From_ line is the mbox's separator, not the message's."""

    def __init__(self, where: str) -> None:
        self.collector = _Collector(where)
        self.held = b""

    def add(self, data: bytes) -> None:
        held = self.held + data
        if len(held) > 4:
            self.collector.add(held[:-4])
            held = held[-4:]
        self.held = held

    def raw(self) -> Raw:
        held, alone = self.held, self.collector.size == 0
        if held.endswith(b"\r\n\r\n") or (alone and held == b"\r\n"):
            held = held[:-2]
        elif held.endswith(b"\n\n") or (alone and held == b"\n"):
            held = held[:-1]
        self.collector.add(held)
        return self.collector.raw()


def _from_starts(data: bytes, at_line_start: bool) -> Iterator[int]:
    """Where lines starting with "From " start (bytes.find: a regex's ^ is 10x slower)."""
    if at_line_start and data.startswith(b"From "):
        yield 0
    at = data.find(b"\nFrom ")
    while at >= 0:
        yield at + 1
        at = data.find(b"\nFrom ", at + 1)


def _mbox(path: Path) -> Iterator[Raw]:
    """The messages of an mbox file, one at a time, without indexing the file (Python's
    `mailbox.mbox` does, and reads a message whole however large). The file is read in
    blocks; only a short line cut by a block's end waits for the next block (a From_ line
    is at most 1,000 bytes), so no line, however long, is held whole."""
    name = shown(path.name)
    current: _MboxMessage | None = None
    count = 0
    carry, at_line_start = b"", True
    with path.open("rb") as file:
        while True:
            block = file.read(_CHUNK)
            data = carry + block
            carry = b""
            if block:  # a last line without its end may be a From_ line in the next block
                cut = data.rfind(b"\n") + 1
                if len(data) - cut <= 1000:
                    data, carry = data[:cut], data[cut:]
            start = 0
            for at in _from_starts(data, at_line_start):
                end = data.find(b"\n", at)
                line = data[at:] if end < 0 else data[at : end + 1]
                if not _is_from_line(line):
                    continue
                if current is not None:
                    current.add(data[start:at])
                    yield current.raw()
                count += 1
                current, start = _MboxMessage(f"{name}#{count}"), at + len(line)
            if current is not None:
                current.add(data[start:])
            if not block:
                break
            at_line_start = bool(carry) or data.endswith(b"\n")
    if current is not None:
        yield current.raw()


def shown(name: str) -> str:
    """A file name as it can be printed: bytes that are not UTF-8 as U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _location_digest(root: Path, file: Path) -> str:
    """What recognises a file that could not be read: its place in the mailbox."""
    place = file.relative_to(root) if file.is_relative_to(root) else Path(file.name)
    relative = os.fsencode(place)
    return hashlib.sha256(b"pdpipe-location\x00" + relative).hexdigest()


def _file(file: Path, where: str, root: Path) -> Raw:
    """One message file. A symbolic link out of the mailbox is not followed; anything but
    a regular file (a FIFO would block) is not read."""
    location = _location_digest(root, file)
    try:
        target = file.resolve()
        inside = target.is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return Raw(where, b"", ReviewReason.UNREADABLE_FILE, location)
    if not inside:
        return Raw(where, b"", ReviewReason.OUTSIDE_MAILBOX, location)
    try:
        descriptor = os.open(target, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return Raw(where, b"", ReviewReason.UNREADABLE_FILE, location)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return Raw(where, b"", ReviewReason.UNREADABLE_FILE, location)
        try:
            return _read_bounded(handle, where)
        except OSError:
            return Raw(where, b"", ReviewReason.UNREADABLE_FILE, location)


def _read_bounded(handle: BinaryIO, where: str) -> Raw:
    collector = _Collector(where)
    while chunk := handle.read(_CHUNK):
        collector.add(chunk)
    return collector.raw()


# --- what a message says ---------------------------------------------------------------

_KEPT_FIELDS = frozenset(
    (
        b"from",
        b"sender",
        b"reply-to",
        b"to",
        b"cc",
        b"subject",
        b"date",
        b"message-id",
        b"in-reply-to",
        b"references",
        b"mime-version",
        b"content-type",
        b"content-transfer-encoding",
        b"content-disposition",
    )
)
_ESCAPED_FROM = re.compile(rb"^>+(From )", re.MULTILINE)


def content_digest(data: bytes) -> str:
    """SHA-256 of what the sender wrote: the header fields a writer sets (not those that
    transport and mail clients add or rewrite: Received, Status, X-…), unfolded, and the
    body, whatever the line ends, with mbox's `>From ` quoting undone. The same message read
    from an mbox, a Maildir or a saved .eml, or delivered twice, has one digest."""
    text = data.replace(b"\r\n", b"\n")
    if text.startswith(b"\n"):
        head, body = b"", text[1:]
    else:
        head, _, body = text.partition(b"\n\n")
    fields: list[bytes] = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b" " + line
        else:
            fields.append(line)
    kept = []
    for one in fields:
        name, colon, value = one.partition(b":")
        name = name.strip().lower()
        if colon and name in _KEPT_FIELDS:
            kept.append(name + b": " + b" ".join(value.split()))
    if not kept:  # no header a writer sets: no telling head from body, all of it counts
        return hashlib.sha256(b"pdpipe-no-header\x00" + text.rstrip()).hexdigest()
    digest = hashlib.sha256(b"\n".join(kept))
    digest.update(b"\n\n")
    digest.update(_ESCAPED_FROM.sub(rb"\1", body).rstrip())
    return digest.hexdigest()


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


# Python's modern header parser (email.policy.default) is superlinear in a field's length
# and in its parameters: a 1 MB From takes minutes, a Content-Type of 3,000 parameters a
# second per part. So messages are parsed with the legacy policy (compat32, linear), and
# only the four fields pdpipe reads are given to the modern parser, each within the limit.
_MODERN_FIELDS = ("from", "subject", "date", "message-id")
_MESSAGE_FIELDS = frozenset(("from", "sender", "to", "cc", "subject", "date", "message-id"))
# A Content-* field anywhere (the legacy parser's parameter splitting is quadratic in it).
_CONTENT_FIELD = re.compile(
    rb"^content-(?:type|disposition|transfer-encoding)[ \t]*:(?:[^\n]*\n[ \t])*[^\n]*",
    re.IGNORECASE | re.MULTILINE,
)
_ENCODED_WORD = re.compile(r"=\?([^?\s]*)\?([^?\s]*)\?([^?\s]*)\?=")
# What can be an address to answer and to look for: no spaces or control characters (a NUL
# would be refused by PostgreSQL mid-request), something either side of the last @.
_ADDRESS = re.compile(r"[^\s\x00-\x1f\x7f]{1,200}@[^\s\x00-\x1f\x7f@]{1,253}")
_BASE64_DEFECTS = (
    email.errors.InvalidBase64CharactersDefect,
    email.errors.InvalidBase64PaddingDefect,
    email.errors.InvalidBase64LengthDefect,
)


def _content_fields_oversized(data: bytes) -> bool:
    return any(len(m[0]) > MAX_FIELD_BYTES for m in _CONTENT_FIELD.finditer(data))


def _raw_field(message: Message_, name: str) -> str | None:
    """A header field as it came, unfolded (non-ASCII bytes as surrogates); None if absent.
    (`get` would wrap a field with such bytes in a Header object.)"""
    for key, value in message.raw_items():
        if key.lower() == name:
            return re.sub(r"\r?\n(?=[ \t])", "", str(value))
    return None


def _modern(name: str, raw: str) -> str:
    """The field's text as the modern policy decodes it (RFC 2047, RFC 6532)."""
    return str(email.policy.default.header_fetch_parse(name, raw))


def _decoded_field(name: str, raw: str) -> str:
    """As _modern, which plain ASCII without encoded words (most mail) needs not: it is
    its own text, and the modern parser is half the time of reading a message."""
    if raw.isascii() and "=?" not in raw:
        return raw.strip()
    return _modern(name, raw)


def _lost_in_header(raw: str) -> bool:
    """Whether decoding this header field loses something: bytes that are not UTF-8, or an
    RFC 2047 encoded word whose charset is unknown or whose text does not decode in it.
    (Python's parser replaces such parts silently.)"""
    try:
        raw.encode("ascii", "surrogateescape").decode("utf-8")
    except UnicodeDecodeError:
        return True
    for charset, encoding, text in _ENCODED_WORD.findall(raw):
        try:
            codec = codecs.lookup(charset.partition("*")[0])
            if encoding.upper() == "B":  # padding left off is common and harmless
                padded = text + "=" * (-len(text) % 4)
                data = binascii.a2b_base64(padded.encode("ascii"), strict_mode=True)
            elif encoding.upper() == "Q":
                data = binascii.a2b_qp(text.encode("ascii"), header=True)
            else:
                return True
            data.decode(codec.name)
        except (LookupError, ValueError, UnicodeError, binascii.Error):
            return True
    return False


def _date(raw: str | None) -> dt.datetime | None:
    if raw is None:
        return None
    try:
        sent = email.utils.parsedate_to_datetime(_decoded_field("date", raw))
    except (TypeError, ValueError, IndexError):
        return None
    if sent.tzinfo is None:  # RFC 5322 "-0000": the zone is unknown; read as UTC
        sent = sent.replace(tzinfo=dt.UTC)
    return sent.astimezone(dt.UTC)


def _children(part: Message_) -> list[Message_]:
    payload = part.get_payload() if part.is_multipart() else []
    return [p for p in payload if isinstance(p, Message_)] if isinstance(payload, list) else []


def _depth(message: Message_) -> int:
    """How deep its parts nest (up to MAX_DEPTH + 1), walked without recursion."""
    deepest, stack = 0, [(message, 0)]
    while stack and deepest <= MAX_DEPTH:
        part, depth = stack.pop()
        deepest = max(deepest, depth)
        stack += [(child, depth + 1) for child in _children(part)]
    return deepest


def _body_part(message: Message_) -> Message_ | None:
    """The part a person reads: as EmailMessage.get_body(("plain", "html")) picks it (the
    first text/plain that is no attachment, else the first text/html), without recursion."""
    html = None
    stack = [message]
    while stack:
        part = stack.pop()
        if str(part.get("content-disposition", "")).strip().lower().startswith("attachment"):
            continue
        maintype, subtype = part.get_content_maintype(), part.get_content_subtype()
        if maintype == "text" and subtype == "plain":
            return part
        if maintype == "text" and subtype == "html" and html is None:
            html = part
        elif maintype == "multipart":
            stack += reversed(_children(part))
    return html


def _decoded(data: bytes, charset: str) -> tuple[str, bool]:
    """(the text, whether something was lost): the declared charset, else UTF-8 (the
    usual truth of a mislabelled part), else the declared one with replacements."""
    for candidate in (charset, "utf-8"):
        try:
            return data.decode(candidate), False
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return data.decode(charset, "replace"), True
    except LookupError:
        return data.decode("utf-8", "replace"), True


def _body(message: Message_) -> tuple[str, bool]:
    """(the text a person would read, whether decoding it lost something)."""
    part = _body_part(message)
    if part is None:
        return "", False
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return "", True
    lost = any(isinstance(d, _BASE64_DEFECTS) for d in part.defects)
    text, undecodable = _decoded(data, part.get_content_charset("us-ascii"))
    text = text[:MAX_TEXT_CHARS]
    if part.get_content_subtype() == "html":
        text = html_text(text)
    return text, lost or undecodable


def _parsed(data: bytes, headers_only: bool) -> Message_:
    return BytesParser(policy=compat32).parsebytes(data, headersonly=headers_only)


def _head(data: bytes) -> bytes:
    """The header section of `data` (or all of it, when it has no end)."""
    text = data.replace(b"\r\n", b"\n")
    end = text.find(b"\n\n")
    return text if end < 0 else text[: end + 1]


def parse(data: bytes, where: str) -> Message:
    """One message as pdpipe reads it, with the reasons a person must read it instead."""
    return _message(Raw(where, data))


def _message(raw: Raw) -> Message:
    if raw.problem in (ReviewReason.UNREADABLE_FILE, ReviewReason.OUTSIDE_MAILBOX):
        return Message(raw.where, raw.digest or "", problems=(raw.problem,))
    digest = raw.digest or content_digest(raw.data)
    problems: list[ReviewReason] = [] if raw.problem is None else [raw.problem]
    whole = raw.problem is None  # else only its head was kept: no body to read
    if whole and _content_fields_oversized(raw.data):
        problems.append(ReviewReason.HEADER_TOO_LARGE)
        whole = False
    message = None
    if whole:
        try:
            message = _parsed(raw.data, headers_only=False)
        except RecursionError:
            problems.append(ReviewReason.TOO_DEEP)
        except Exception:  # the parser itself failed: its header section may still be read
            problems.append(ReviewReason.UNPARSEABLE)
    if message is None:
        whole = False
        try:
            message = _parsed(_head(raw.data), headers_only=True)
        except Exception:
            return Message(raw.where, digest, problems=(*problems, ReviewReason.NOT_A_MESSAGE))
    if not any(key.lower() in _MESSAGE_FIELDS for key in message.keys()):  # noqa: SIM118
        return Message(raw.where, digest, problems=(*problems, ReviewReason.NOT_A_MESSAGE))
    return _read_fields(message, raw.where, digest, problems, whole)


def _read_fields(
    message: Message_, where: str, digest: str, problems: list[ReviewReason], whole: bool
) -> Message:
    fields = {name: _raw_field(message, name) for name in _MODERN_FIELDS}
    dropped = {k for k, v in fields.items() if v is not None and len(v) > MAX_FIELD_BYTES}
    if dropped:
        problems.append(ReviewReason.HEADER_TOO_LARGE)
        fields = {k: None if k in dropped else v for k, v in fields.items()}
        whole = False
    message_id, sender, subject = None, None, ""
    try:
        message_id = _modern("message-id", fields["message-id"] or "").strip() or None
    except Exception:
        message_id = (fields["message-id"] or "").strip() or None
    if message_id is None and "message-id" not in dropped:
        problems.append(ReviewReason.NO_MESSAGE_ID)
    try:
        _, address = email.utils.parseaddr(_decoded_field("from", fields["from"] or ""))
        if _ADDRESS.fullmatch(address) and "\ufffd" not in address and address.isprintable():
            sender = address  # a display name that did not decode is no matter: unused
        subject = _decoded_field("subject", fields["subject"] or "")
        if _lost_in_header(fields["subject"] or ""):
            problems.append(ReviewReason.UNDECODABLE_HEADER)
    except Exception:
        problems.append(ReviewReason.UNDECODABLE_HEADER)
    if sender is None and "from" not in dropped:
        problems.append(ReviewReason.NO_SENDER)
    try:
        sent_at = _date(fields["date"])
    except Exception:
        sent_at = None
    body = ""
    if whole:
        if _depth(message) > MAX_DEPTH:
            problems.append(ReviewReason.TOO_DEEP)
        else:
            try:
                body, lost = _body(message)
            except Exception:
                body, lost = "", True
            if lost:
                problems.append(ReviewReason.UNDECODABLE_BODY)
    return Message(
        where,
        digest,
        message_id=message_id,
        sender=sender,
        subject=subject,
        body=body,
        sent_at=sent_at,
        problems=tuple(dict.fromkeys(problems)),
    )


def read_mailbox(path: Path | Mailbox) -> Iterator[Message]:
    """Every message at `path`, in the mailbox's order (Maildir: new/, then cur/; folders
    by file name); BadInput before the first when `path` is no mailbox."""
    mailbox = path if isinstance(path, Mailbox) else open_mailbox(Path(path))
    for raw in mailbox.raws():
        yield _message(raw)
