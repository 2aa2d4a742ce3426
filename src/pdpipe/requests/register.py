"""The request register: `pdpipe_requests`, one row per message, in the store the policy
names (`requests.store`).

A row holds no personal data in the clear: the requester is a keyed hash (to recognise a
person again; never equal to a depersonalization pseudonym, see identity.py) plus the
address encrypted for the answer; matched records are internal keys; the message body is
never stored, nor any header value.

A message is recognised by its Message-ID and the digest of its content (mailbox.py
`content_digest`): the same Message-ID with the same content is registered already; with
other content it is a new row, for review (`message_id_reused`), since a Message-ID is
whatever the sender wrote. A message without a Message-ID is recognised by its content
alone. A row registered before content digests were kept takes the digest of the first
message seen again with its Message-ID.
`message_key` is the row's identity: the Message-ID's SHA-256 for the first message with
that ID (as in the first version of the register), else a digest of ID and content.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from pdpipe.errors import BadInput
from pdpipe.policy.models import Policy, StoreSpec
from pdpipe.requests.identity import REQUESTER_SCHEME
from pdpipe.requests.sla import recount
from pdpipe.stores.engine import as_store_error
from pdpipe.stores.owner import owned

metadata = sa.MetaData()


class Status(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    EXTENDED = "extended"
    DONE = "done"
    REFUSED = "refused"
    NEEDS_REVIEW = "needs_review"


OPEN = (Status.NEW, Status.IN_PROGRESS, Status.EXTENDED)
FUTURE_DATE = "future"  # received_from: the Date header lay after the ingest
# 12 base64 characters, 72 bits of the keyed hash: no collision among a register's people;
# without contact_key no address can be tested against it.
SUBJECT_DIGEST_LENGTH = 12

requests = sa.Table(
    "pdpipe_requests",
    metadata,
    sa.Column("request_id", sa.String(12), primary_key=True),  # the first 12 of message_key
    sa.Column("message_key", sa.String(64), nullable=False, unique=True),
    # Added after the first version (upgrade() adds them to older registers):
    sa.Column("message_id_key", sa.String(64), index=True),  # SHA-256 of the Message-ID
    sa.Column("content_digest", sa.String(64)),  # mailbox.content_digest; NULL: older rows
    sa.Column("review", sa.String(200)),  # why a person must read it: ReviewReason words
    sa.Column("type", sa.String(20)),  # None: not classified (needs_review)
    sa.Column("basis", sa.String(60), nullable=False),  # where the type was read
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False),  # UTC
    # "date" (the Date header) | "ingest" (none) | FUTURE_DATE (a Date after the ingest:
    # counted from the ingest, flagged)
    sa.Column("received_from", sa.String(10), nullable=False),
    sa.Column("deadline", sa.Date),  # the last day of the request's last step
    sa.Column("extended_until", sa.Date),
    sa.Column("extension_reason", sa.Text),
    # Keyed hash of the normalized address, "v2:…" (identity.py); "" when no sender
    # address could be read, and so is `contact`.
    sa.Column("requester", sa.String(64), nullable=False),
    sa.Column("contact", sa.Text, nullable=False),  # the address, encrypted
    sa.Column("proposal", sa.Text),  # update: the proposed values, encrypted JSON
    sa.Column("matched", sa.Text),  # JSON [[store, table, key], ...]
    sa.Column("outcome", sa.Text),  # JSON: what was done, with ledger references
    sa.Column("note", sa.Text),  # why refused / reviewed, written by a person
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("closed_at", sa.DateTime),
    # Added with the statutes' deadlines (upgrade() adds them, and recounts open rows):
    sa.Column("due_at", sa.DateTime),  # UTC: due at receipt itself (block, 152-FZ art. 21 p.1)
    sa.Column("stop_by", sa.Date),  # unlawful processing: the last day to stop (art. 21 p.3)
    sa.Column("stopped_at", sa.DateTime),  # UTC: when its records were blocked
    sa.Index("ix_pdpipe_requests_status", "status", "deadline"),
)


@dataclass(frozen=True)
class Request:
    request_id: str
    type: str | None
    basis: str
    status: str
    received_at: dt.datetime
    received_from: str
    deadline: dt.date | None
    extended_until: dt.date | None
    extension_reason: str | None
    requester: str
    contact: str
    proposal: str | None
    matched: list[tuple[str, str, str]]
    outcome: dict[str, Any]
    note: str | None
    review: tuple[str, ...] = ()  # ReviewReason words
    due_at: dt.datetime | None = None
    stop_by: dt.date | None = None
    stopped_at: dt.datetime | None = None
    message_id_key: str | None = None  # SHA-256 of the Message-ID; None without one

    @property
    def has_contact(self) -> bool:
        """Whether there is an address to look for and answer."""
        return bool(self.contact)

    @property
    def last_due(self) -> dt.date | None:
        """The last day of the request's last step, extended or not."""
        return self.extended_until or self.deadline

    @property
    def stop_pending(self) -> bool:
        return self.stop_by is not None and self.stopped_at is None

    @property
    def due(self) -> dt.date | None:
        """The day the next step is due: stopping unlawful processing until it is
        stopped, then the last step."""
        last = self.last_due
        if self.stop_pending and self.stop_by is not None:
            return self.stop_by if last is None else min(self.stop_by, last)
        return last

    @property
    def due_instant(self) -> dt.datetime | None:
        """The instant it is due, when that is its receipt (a request to block)."""
        return self.due_at if self.extended_until is None else None

    @property
    def open(self) -> bool:
        return self.status in OPEN

    @property
    def subject_digest(self) -> str | None:
        """A short keyed digest of the requester, to tell requests of one person (and only
        theirs) apart: the start of the register's keyed hash, never the address; None when
        no sender address was read."""
        if not self.requester.startswith(REQUESTER_SCHEME):
            return None
        return self.requester[len(REQUESTER_SCHEME) :][:SUBJECT_DIGEST_LENGTH]

    @property
    def date_in_future(self) -> bool:
        """Its Date header lay after the ingest: the deadline counts from the ingest."""
        return self.received_from == FUTURE_DATE


def register_store(policy: Policy) -> StoreSpec:
    if policy.requests is None:
        raise BadInput(
            "the policy has no `requests:` section: name the store that keeps the request "
            "register (requests: {store: <store>})"
        )
    return next(s for s in policy.stores if s.name == policy.requests.store)


@contextmanager
def opened(policy: Policy, *, create: bool = True) -> Iterator[sa.Engine]:
    """An engine on the register's store, the table created (or upgraded) where needed;
    for many short transactions (one per message)."""
    store = register_store(policy)
    with owned() as stores:
        engine = stores.engine(store)
        try:
            if create:
                with engine.begin() as connection:
                    metadata.create_all(connection, checkfirst=True)
                upgrade(engine, policy)
            yield engine
        except sa.exc.DBAPIError as exc:  # what got past the engine's hook
            raise as_store_error(store, exc) from None


_ADDED = ("message_id_key", "content_digest", "review", "due_at", "stop_by", "stopped_at")
# Open rows, and those awaiting review, have their deadlines recounted once, when these
# columns arrive: they were counted under rules that the statutes' text corrected.
_DEADLINE_COLUMNS = ("due_at", "stop_by", "stopped_at")
WAITING = (*OPEN, Status.NEEDS_REVIEW)


def upgrade(engine: sa.Engine, policy: Policy) -> None:
    """Adds the columns a register of an earlier version lacks, gives its rows their
    Message-ID key (then, the row's `message_key`), and recounts the deadlines of its
    open rows. Idempotent; each step commits on its own (MariaDB commits DDL anyway)."""
    with engine.connect() as connection:
        present = {c["name"] for c in sa.inspect(connection).get_columns(requests.name)}
    for name in _ADDED:
        if name in present:
            continue
        column = requests.c[name]
        kind = column.type.compile(dialect=engine.dialect)
        with engine.begin() as connection:
            connection.execute(sa.text(f"ALTER TABLE {requests.name} ADD COLUMN {name} {kind}"))
    if "message_id_key" not in present:
        index = next(i for i in requests.indexes if "message_id_key" in i.columns)
        with engine.begin() as connection:
            index.create(connection, checkfirst=True)
    with engine.begin() as connection:
        connection.execute(
            requests.update()
            .where(requests.c.message_id_key.is_(None) & requests.c.content_digest.is_(None))
            .values(message_id_key=requests.c.message_key)
        )
    if not set(_DEADLINE_COLUMNS) <= present:
        with engine.begin() as connection:  # all at once: no row left under the old rules
            for row in connection.execute(
                sa.select(
                    requests.c.request_id,
                    requests.c.type,
                    requests.c.received_at,
                    requests.c.extended_until,
                ).where(requests.c.status.in_([s.value for s in WAITING]))
            ).all():
                connection.execute(
                    requests.update()
                    .where(requests.c.request_id == row.request_id)
                    .values(**recount(policy, row.type, row.received_at, row.extended_until))
                )


@contextmanager
def connect(policy: Policy, *, write: bool = True) -> Iterator[sa.Connection]:
    """One transaction on the register's store (the table created first when writing)."""
    with opened(policy, create=write) as engine, engine.begin() as connection:
        yield connection


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class Seen(StrEnum):
    """What the register knows of a message."""

    NEW = "new"  # nothing with its Message-ID (or, without one, its content)
    SAME = "same"  # registered already
    REUSED = "reused"  # its Message-ID is registered with other content


def seen(connection: sa.Connection, message_id_key: str | None, digest: str) -> Seen:
    if message_id_key is None:
        found = connection.execute(
            sa.select(requests.c.request_id).where(
                requests.c.message_id_key.is_(None) & (requests.c.content_digest == digest)
            )
        ).first()
        return Seen.NEW if found is None else Seen.SAME
    rows = connection.execute(
        sa.select(requests.c.request_id, requests.c.content_digest).where(
            requests.c.message_id_key == message_id_key
        )
    ).all()
    known = {row.content_digest for row in rows}
    if not known:
        return Seen.NEW
    if digest in known:
        return Seen.SAME
    older = [row.request_id for row in rows if row.content_digest is None]
    if older:
        # A row of the first version, registered by Message-ID alone: the first message
        # seen with that ID is taken to be it (re-reading the same mailbox, it is), and
        # lends it its digest, so that other content under that ID counts as reused.
        connection.execute(
            requests.update().where(requests.c.request_id == older[0]).values(content_digest=digest)
        )
        return Seen.SAME
    return Seen.REUSED


def insert_new(connection: sa.Connection, row: dict[str, Any]) -> bool:
    """Insert unless a row has its `message_key` already; True when inserted."""
    found = connection.execute(
        sa.select(requests.c.request_id).where(requests.c.message_key == row["message_key"])
    ).first()
    if found is not None:
        return False
    connection.execute(requests.insert().values(**row))
    return True


def _request(row: sa.Row[Any], policy: Policy | None = None) -> Request:
    m = row._mapping
    request = Request(
        request_id=m["request_id"],
        type=m["type"],
        basis=m["basis"],
        status=m["status"],
        received_at=m["received_at"],
        received_from=m["received_from"],
        deadline=m["deadline"],
        extended_until=m["extended_until"],
        extension_reason=m["extension_reason"],
        requester=m["requester"],
        contact=m["contact"],
        proposal=m["proposal"],
        matched=[(str(s), str(t), str(k)) for s, t, k in json.loads(m["matched"] or "[]")],
        outcome=json.loads(m["outcome"] or "{}"),
        note=m["note"],
        review=tuple(r for r in (m.get("review") or "").split(",") if r),
        due_at=m.get("due_at"),
        stop_by=m.get("stop_by"),
        stopped_at=m.get("stopped_at"),
        message_id_key=m.get("message_id_key"),
    )
    if policy is not None and "due_at" not in m and request.status in WAITING:
        # A register not upgraded yet, read without writing: its deadlines as the rules
        # count them now, as upgrade() will write them.
        counted = recount(policy, request.type, request.received_at, request.extended_until)
        request = replace(request, **counted)
    return request


def _columns(connection: sa.Connection) -> list[sa.Column[Any]]:
    """The register's columns this database has: a register of an earlier version is read
    as it is (upgrade() adds the rest when pdpipe next writes to it)."""
    present = {c["name"] for c in sa.inspect(connection).get_columns(requests.name)}
    return [c for c in requests.c if c.name in present]


def load_all(
    connection: sa.Connection,
    statuses: Sequence[str] | None = None,
    policy: Policy | None = None,
) -> list[Request]:
    """The register's rows; with `policy`, those of a register not upgraded yet carry
    their deadlines as the rules count them now."""
    if not sa.inspect(connection).has_table(requests.name):
        return []
    query = sa.select(*_columns(connection)).order_by(requests.c.received_at, requests.c.request_id)
    if statuses is not None:
        query = query.where(requests.c.status.in_(list(statuses)))
    return [_request(row, policy) for row in connection.execute(query)]


def load_one(connection: sa.Connection, request_id: str) -> Request:
    row = (
        connection.execute(
            sa.select(*_columns(connection)).where(requests.c.request_id == request_id)
        ).first()
        if sa.inspect(connection).has_table(requests.name)
        else None
    )
    if row is None:
        raise BadInput(f"no request '{request_id}' in the register (pdpipe requests list)")
    return _request(row)


def update(connection: sa.Connection, request_id: str, **values: Any) -> None:
    for name in ("matched", "outcome"):
        if name in values and not isinstance(values[name], str | None):
            values[name] = json.dumps(values[name], sort_keys=True, ensure_ascii=False)
    connection.execute(
        requests.update()
        .where(requests.c.request_id == request_id)
        .values(updated_at=now(), **values)
    )
