"""The ledger: one row per record acted on, each row chained to the one before.

``row_hash = sha256(prev_hash + canonical(row))``: editing any field, deleting a row or
reordering rows breaks the chain from that row on, which ``verify`` finds. Rows hold the
record's key and what was done — never a personal value.

The chain's end is kept apart, in ``pdpipe_ledger_head`` (seq and hash, updated in the
same transaction as the rows), so that rows cut from the end are missed too; with
``secrets.ledger_key`` the head also carries an HMAC that only the key's holder can
compute, so that a chain rewritten by someone with write access to the database alone
no longer verifies. Each run also writes its ledger's head outside the database (its
summary.json, its documents' index.json, its act): ``Head`` is that anchor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy as sa

from pdpipe.execute import bulk
from pdpipe.stores import tables

GENESIS = "0" * 64


class Entry(NamedTuple):
    """What a batch hands to the ledger for one record (a tuple: a run makes one per
    record, and a frozen dataclass took a microsecond more to build each)."""

    table: str
    record_key: str
    action: str
    reason: str
    legal_basis: str
    categories: str


def _canonical(seq: int, run_id: str, store: str, entry: Entry, acted_at: dt.datetime) -> str:
    # Entry's fields in their order: table, key, action, reason, legal basis, categories.
    fields = [seq, run_id, store, *entry, acted_at.isoformat(timespec="seconds")]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


class _Canonical:
    """`_canonical`, faster: a batch shares its run, store, time and, per table and
    reason, everything but the key, so each shared field is JSON-encoded once. JSON
    encodes a list element by element, so the text is identical (tests/execute prove it
    against `_canonical`)."""

    def __init__(self, run_id: str, store: str, acted_at: dt.datetime) -> None:
        self.head = _dumps([run_id, store])[1:-1]
        self.acted_at = _dumps(acted_at.isoformat(timespec="seconds"))
        self.tails: dict[tuple[str, str, str, str], str] = {}
        self.tables: dict[str, str] = {}

    def __call__(self, seq: int, entry: Entry) -> str:
        return f"[{seq}{self.after_seq(entry)}"

    def after_seq(self, entry: Entry) -> str:
        """The canonical text after the row's seq: all of it that is known before the
        ledger's head is locked."""
        shared = (entry.action, entry.reason, entry.legal_basis, entry.categories)
        tail = self.tails.get(shared)
        if tail is None:
            tail = self.tails[shared] = _dumps(list(shared))[1:-1]
        table = self.tables.get(entry.table)
        if table is None:
            table = self.tables[entry.table] = _dumps(entry.table)
        return f",{self.head},{table},{_dumps(entry.record_key)},{tail},{self.acted_at}]"


# json.dumps with these arguments builds a new encoder on every call: a million-record
# run called it a million times.
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def row_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256(f"{prev_hash}|{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class Head:
    """Where a ledger ends: its last row's seq and hash (and the head's signature)."""

    seq: int
    row_hash: str
    signature: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"seq": self.seq, "row_hash": self.row_hash, "signature": self.signature}


def head_signature(key: bytes, seq: int, row_hash: str) -> str:
    """HMAC-SHA256 of the head under `key`, derived from `secrets.ledger_key` for this use
    only (ledger_check.ledger_key): the same secret configured for another use yields
    another key."""
    return hmac.new(key, f"{seq}|{row_hash}".encode(), hashlib.sha256).hexdigest()


def read_head(connection: sa.Connection) -> Head | None:
    """The head as pdpipe_ledger_head holds it; None when it holds none."""
    if not sa.inspect(connection).has_table(tables.ledger_head.name):
        return None
    head = tables.ledger_head
    columns = [head.c.seq, head.c.row_hash]
    signed = "signature" in {c["name"] for c in sa.inspect(connection).get_columns(head.name)}
    row = connection.execute(
        sa.select(*columns, head.c.signature if signed else sa.null()).where(head.c.id == 1)
    ).first()
    if row is None:
        return None
    return Head(int(row[0]), str(row[1]), None if row[2] is None else str(row[2]))


def _tail(connection: sa.Connection) -> tuple[int, str]:
    """The chain's end, locked until the caller's transaction ends.

    Partitions of one run append from parallel transactions; the row lock on the head
    orders them, so each row chains to the one committed before it.
    """
    head = connection.execute(
        sa.select(tables.ledger_head.c.seq, tables.ledger_head.c.row_hash)
        .where(tables.ledger_head.c.id == 1)
        .with_for_update()
    ).first()
    if head is not None:
        return int(head[0]), str(head[1])
    last = connection.execute(
        sa.select(tables.ledger.c.seq, tables.ledger.c.row_hash)
        .order_by(tables.ledger.c.seq.desc())
        .limit(1)
    ).first()
    seq, digest = (0, GENESIS) if last is None else (int(last[0]), str(last[1]))
    connection.execute(tables.ledger_head.insert().values(id=1, seq=seq, row_hash=digest))
    return seq, digest


_LEDGER_COLUMNS = (
    "seq",
    "run_id",
    "store",
    "table_name",
    "record_key",
    "action",
    "reason",
    "legal_basis",
    "categories",
    "acted_at",
    "prev_hash",
    "row_hash",
)


def append(
    connection: sa.Connection,
    run_id: str,
    store: str,
    entries: Sequence[Entry],
    acted_at: dt.datetime,
    key: bytes = b"",
) -> int:
    """Chain and insert `entries` in the caller's transaction; returns how many. With
    `key` (secrets.ledger_key) the new head is signed.

    The head stays locked from here to the caller's commit, and parallel partitions wait
    for it: all that does not need the chain's end (the rows' canonical text after their
    seq, their other columns in COPY's format) is made before it is locked. Made under
    the lock, it held the head 150 of every 5,000 rows' 200 ms at a million subscribers."""
    if not entries:
        return 0
    # Whole seconds: every dialect's default DATETIME keeps them, so verify() reads back
    # exactly what was hashed.
    acted_at = acted_at.replace(microsecond=0, tzinfo=None)
    canonical = _Canonical(run_id, store, acted_at)
    after_seq = [canonical.after_seq(entry) for entry in entries]
    fixed = [(run_id, store, *entry, acted_at) for entry in entries]  # _LEDGER_COLUMNS[1:-2]
    lines = bulk.copy_lines(fixed) if connection.dialect.name == "postgresql" else None
    seq, prev = _tail(connection)
    first, prevs, digests = seq + 1, [prev], []
    for rest in after_seq:
        seq += 1
        prev = hashlib.sha256(f"{prev}|[{seq}{rest}".encode()).hexdigest()  # row_hash
        digests.append(prev)
        prevs.append(prev)
    if lines is not None:
        text = "".join(
            f"{first + index}\t{line}\t{prevs[index]}\t{digest}\n"
            for index, (line, digest) in enumerate(zip(lines, digests, strict=True))
        )
        bulk.copy_in(connection, tables.ledger.name, _LEDGER_COLUMNS, text)
    else:
        rows = [
            (first + index, *values, prevs[index], digest)
            for index, (values, digest) in enumerate(zip(fixed, digests, strict=True))
        ]
        bulk.insert_rows(connection, tables.ledger, _LEDGER_COLUMNS, rows)
    connection.execute(
        tables.ledger_head.update()
        .where(tables.ledger_head.c.id == 1)
        .values(seq=seq, row_hash=prev, signature=head_signature(key, seq, prev) if key else None)
    )
    return len(entries)


ACTIONS = ("destroy", *tables.KEPT_ACTIONS)  # the actions a run's counts hold


@dataclass(frozen=True)
class Verification:
    rows: int
    first_bad_seq: int | None  # the first row the chain does not vouch for
    problem: str | None  # what breaks the chain there
    findings: tuple[str, ...] = ()  # what else is wrong: the head, the runs' counts, anchors
    head: Head | None = None
    by_run: dict[str, int] = field(default_factory=dict)  # rows of ACTIONS per run id

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None and not self.findings

    @property
    def problems(self) -> list[str]:
        return ([self.problem] if self.problem else []) + list(self.findings)


def verify(connection: sa.Connection, chunk: int = 50_000) -> Verification:
    """Walk the chain in order; report the first row that does not follow from the last.
    On the way, count each run's rows (for the runs' own counts to be compared)."""
    expected_seq, prev = 1, GENESIS
    count = 0
    by_run: dict[str, int] = {}
    for row in _rows(connection, chunk):
        count += 1
        if row.seq != expected_seq:
            return Verification(
                count,
                expected_seq,
                f"row {expected_seq} is missing (next row is {row.seq})",
                by_run=by_run,
            )
        if row.prev_hash != prev:
            return Verification(
                count, row.seq, f"row {row.seq} does not follow row {row.seq - 1}", by_run=by_run
            )
        entry = Entry(
            row.table_name, row.record_key, row.action, row.reason, row.legal_basis, row.categories
        )
        canonical = _canonical(row.seq, row.run_id, row.store, entry, row.acted_at)
        if row_hash(prev, canonical) != row.row_hash:
            return Verification(
                count, row.seq, f"row {row.seq} was altered after it was written", by_run=by_run
            )
        if row.action in ACTIONS:
            by_run[row.run_id] = by_run.get(row.run_id, 0) + 1
        prev, expected_seq = row.row_hash, expected_seq + 1
    return Verification(count, None, None, head=Head(expected_seq - 1, prev), by_run=by_run)


def row_at(connection: sa.Connection, seq: int) -> str | None:
    """The hash of row `seq`, or None when there is no such row."""
    found = connection.execute(
        sa.select(tables.ledger.c.row_hash).where(tables.ledger.c.seq == seq)
    ).scalar()
    return None if found is None else str(found)


def _rows(connection: sa.Connection, chunk: int) -> Iterator[sa.Row[object]]:
    last = 0
    while True:
        batch = connection.execute(
            sa.select(tables.ledger)
            .where(tables.ledger.c.seq > last)
            .order_by(tables.ledger.c.seq)
            .limit(chunk)
        ).all()
        if not batch:
            return
        yield from batch
        last = batch[-1].seq
