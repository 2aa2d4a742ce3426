"""`pdpipe ledger verify`: every database's ledger, read-only, checked as far as it can be.

    the chain      each row follows from the one before (ledger.verify)
    the head       the chain ends where pdpipe_ledger_head says it does: rows cut from
                   the end, an emptied ledger, a dropped table are found
    the signature  with secrets.ledger_key, the head's HMAC: a chain rewritten by someone
                   who can write to the database but has not the key does not verify
    the runs       each finished run's counts (pdpipe_runs) equal its rows in the ledger
    the anchors    heads written outside the database (summary.json, the documents'
                   index.json; read by report/anchors.py) are rows of the chain, with
                   the same hash

What each level detects, and what none can, is in docs/guarantees.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import sqlalchemy as sa

from pdpipe.execute import ledger
from pdpipe.policy.models import Policy, StoreSpec
from pdpipe.policy.secrets import KeyPurpose, derive_key, secret_key
from pdpipe.stores import tables
from pdpipe.stores.owner import owned

LEDGER_KEY = "ledger_key"
# A run still running (or killed, or interrupted) has counts only once it is closed.
_OPEN = ("running", "interrupted")


@dataclass(frozen=True)
class Anchor:
    """A ledger head written outside the database: where, for which store."""

    source: Path
    store: str
    seq: int
    row_hash: str


def ledger_key(policy: Policy) -> bytes:
    """The key that signs ledger heads, derived from secrets.ledger_key for that use
    alone; b"" when the policy names none."""
    if LEDGER_KEY not in policy.secrets:
        return b""
    return derive_key(secret_key(policy, LEDGER_KEY), KeyPurpose.LEDGER_HEAD)


def verify_ledgers(
    policy: Policy, anchors: Iterable[Anchor] = ()
) -> Iterator[tuple[str, ledger.Verification | None]]:
    """(store name, verification or None when the store has no ledger), one per database."""
    key = ledger_key(policy)
    databases = {s.url: s for s in policy.stores}
    sharing = {url: {s.name for s in policy.stores if s.url == url} for url in databases}
    by_store = {s.name: s.url for s in policy.stores}
    placed: dict[str, list[Anchor]] = {}
    for anchor in anchors:
        if anchor.store in by_store:
            placed.setdefault(by_store[anchor.store], []).append(anchor)
    for url, store in databases.items():
        yield store.name, _verify(store, key, sharing[url], placed.get(url, []))


def _verify(
    store: StoreSpec, key: bytes, names: set[str], anchors: list[Anchor]
) -> ledger.Verification | None:
    with owned(read_only=True) as stores, stores.connect(store) as connection:
        inspector = sa.inspect(connection)
        head = ledger.read_head(connection)
        if not inspector.has_table(tables.ledger.name):
            acted = _runs_that_acted(connection)
            if head is None and not acted and not anchors:
                return None
            return ledger.Verification(
                0,
                1,
                "the ledger table is missing, yet "
                + (
                    f"its head says {head.seq:,} row(s) were written"
                    if head
                    else f"{len(acted)} run(s) recorded what they did"
                    if acted
                    else "runs anchored it outside the database"
                ),
            )
        verification = ledger.verify(connection)
        findings = list(_head_findings(verification, head, key))
        findings += _count_findings(connection, verification)
        findings += [_anchor_finding(connection, a) for a in anchors]
        return replace(verification, findings=tuple(f for f in findings if f), head=head)


def _head_findings(
    verification: ledger.Verification, head: ledger.Head | None, key: bytes
) -> Iterator[str]:
    if verification.first_bad_seq is not None:
        return  # the chain is already broken: its end proves nothing more
    end = verification.head or ledger.Head(0, ledger.GENESIS)
    if head is None:
        if end.seq:
            yield "the ledger's head (pdpipe_ledger_head) is missing"
        return
    if head.seq > end.seq:
        missing = (
            f"row {end.seq + 1}" if head.seq == end.seq + 1 else (f"rows {end.seq + 1}–{head.seq}")
        )
        emptied = " (the ledger is empty)" if end.seq == 0 else ""
        yield (
            f"{missing} cut from the end: the head says the ledger ends at row {head.seq}{emptied}"
        )
    elif head.seq < end.seq:
        yield f"rows {head.seq + 1}–{end.seq} were added after the head, not by pdpipe"
    elif head.row_hash != end.row_hash:
        yield f"row {end.seq} is not the row the head recorded"
    elif key and head.seq:
        if head.signature is None:
            yield "the head is not signed, though secrets.ledger_key is set"
        elif head.signature != ledger.head_signature(key, head.seq, head.row_hash):
            yield (
                "the head's signature does not match: the ledger was rewritten by someone "
                "without secrets.ledger_key (or another key is configured)"
            )


def _runs_that_acted(connection: sa.Connection) -> list[str]:
    if not sa.inspect(connection).has_table(tables.runs.name):
        return []
    return [run for run, total in _run_counts(connection).items() if total]


def _run_counts(connection: sa.Connection) -> dict[str, int]:
    """Each closed run's total of actions, as its row in pdpipe_runs says. Runs of
    releases that kept no stage are left out: their counts missed a resumption's first
    attempts."""
    runs = tables.runs
    columns = {c["name"] for c in sa.inspect(connection).get_columns(runs.name)}
    if "stage" not in columns:
        return {}
    found = {}
    query = sa.select(runs.c.run_id, runs.c.counts).where(
        runs.c.stage.is_not(None) & runs.c.counts.is_not(None) & runs.c.status.not_in(_OPEN)
    )
    for run_id, counts in connection.execute(query):
        by_table = json.loads(counts)
        found[str(run_id)] = sum(
            n
            for actions in by_table.values()
            for reasons in actions.values()
            for n in reasons.values()
        )
    return found


def _count_findings(connection: sa.Connection, verification: ledger.Verification) -> list[str]:
    if verification.first_bad_seq is not None or not sa.inspect(connection).has_table(
        tables.runs.name
    ):
        return []
    return [
        f"run {run_id} recorded {total:,} action(s); the ledger holds "
        f"{verification.by_run.get(run_id, 0):,}"
        for run_id, total in _run_counts(connection).items()
        if verification.by_run.get(run_id, 0) != total
    ]


def _anchor_finding(connection: sa.Connection, anchor: Anchor) -> str:
    found = ledger.row_at(connection, anchor.seq)
    where = f"{anchor.source}: row {anchor.seq}"
    if found is None:
        return f"{where} is no longer in the ledger (rows were cut)"
    if found != anchor.row_hash:
        return f"{where} has another hash than when it was anchored (the chain was rewritten)"
    return ""


def heads(policy: Policy, stores: Iterable[str] | None = None) -> dict[str, ledger.Head]:
    """Each database's ledger head, named by the first of its stores (of `stores`, if
    given): the anchor a run writes outside the database."""
    wanted = set(stores) if stores is not None else {s.name for s in policy.stores}
    found: dict[str, ledger.Head] = {}
    seen: set[str] = set()
    for store in policy.stores:
        if store.name not in wanted or store.url in seen:
            continue
        seen.add(store.url)
        with owned(read_only=True) as owner, owner.connect(store) as connection:
            head = ledger.read_head(connection)
        if head is not None:
            found[store.name] = head
    return found
