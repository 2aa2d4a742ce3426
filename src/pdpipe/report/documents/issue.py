"""Issue the documents of a scope, record their SHA-256 in the ledger, and check them.

A scope's documents are written into one folder:

    destruction-act.<lang>.html, .pdf          records destroyed (Order 179)
    depersonalization-record.<lang>.html, .pdf records depersonalized (152-FZ art. 13.1)
    event-log-extract.csv, .json               one line per record, both actions
    index.json                                 the list, with each file's SHA-256

Each document's SHA-256 becomes a row of the ledger (action `document`) in every store
the documents speak of: the ledger's hash chain then makes the record of the document as
tamper-evident as the record of the destruction, and `verify` (verify.py) finds a
document edited after it was issued. `expired` lists documents older than
`acts.keep_for` (3 years).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from pdpipe import json_files
from pdpipe.execute import ledger
from pdpipe.execute.ledger_check import heads, ledger_key
from pdpipe.execute.runner import DOCUMENTED, mark_stage
from pdpipe.policy.models import Policy
from pdpipe.report.documents import extract, gather, grounds, physical, render, texts
from pdpipe.report.documents.act import (
    KIND_OF_ACTION,
    ChildCounts,
    Counted,
    build_act,
    hold_notes,
    information_system,
)
from pdpipe.report.documents.gather import DOCUMENT, Scope
from pdpipe.report.documents.texts import Language
from pdpipe.report.formats import INDEX, Document, DocumentsIndex, LedgerHead
from pdpipe.settings import output_dir
from pdpipe.stores import tables
from pdpipe.stores.owner import opened_store

EXTRACT = "event-log-extract"
# Up to this many records the act lists their keys itself; beyond, it names the extract
# (with its SHA-256) as its integral part: a PDF of 400,000 keys serves no reader.
INLINE_KEYS = 2_000
ORDER_179 = "Roskomnadzor Order No. 179 of 28.10.2022"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Issued:
    folder: Path
    issue_id: str
    documents: list[Document]
    records: dict[str, int]  # per action


def issue(
    policy: Policy,
    scope: Scope,
    folder: Path,
    *,
    language: Language | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> Issued:
    """Write the scope's documents into `folder` and record them in the ledger; nothing
    is written when the scope destroyed and depersonalized nothing."""
    language = language or policy.acts.language
    today = today or dt.datetime.now(policy.operator.zone).date()
    issue_id = str(uuid.uuid4())
    number = f"{today:%Y%m%d}-{issue_id[:8]}"
    say = progress or (lambda _text: None)
    by_action = {
        action: gather.lines(policy, scope, action)
        for action in (gather.DESTROY, gather.DEPERSONALIZE)
    }
    records = {action: sum(line.records for line in lines) for action, lines in by_action.items()}
    if not any(records.values()):
        return Issued(folder, issue_id, [], records)
    earlier = _earlier(folder)  # an index that cannot be read stops before anything is written
    folder.mkdir(parents=True, exist_ok=True)
    documents: list[Document] = []

    say("event-log extract")
    csv_path, json_path = folder / f"{EXTRACT}.csv", folder / f"{EXTRACT}.json"
    extract.write(
        gather.records(policy, scope, tuple(by_action)),
        csv_path,
        json_path,
        system=information_system(policy),
        zone=policy.operator.zone,
        ground=_grounds(policy, scope, language),
    )
    documents += [_document(EXTRACT, None, path) for path in (csv_path, json_path)]

    stores = {line.store for lines in by_action.values() for line in lines}
    last_acted: dict[str, dt.datetime] = {}
    for line in (line for lines in by_action.values() for line in lines):
        last_acted[line.store] = max(last_acted.get(line.store, line.last_at), line.last_at)
    notes = _notes(policy, scope, language, stores) + physical.notes(
        policy, scope, language, last_acted
    )
    for action, lines in by_action.items():
        if not lines:
            continue
        kind = KIND_OF_ACTION[action]
        say(kind)
        inline = records[action] <= INLINE_KEYS
        act = build_act(
            policy,
            kind,
            lines,
            number=number,
            drawn_up=today,
            language=language,
            child_rows=_child_rows(policy, scope, action, lines),
            keys=_keys(gather.records(policy, scope, (action,))) if inline else None,
            extracts=None if inline else [f"{csv_path.name} (SHA-256 {documents[0].sha256})"],
            notes=notes,
        )
        html_path = folder / f"{kind}.{language}.html"
        html_path.write_text(render.html(act), encoding="utf-8")
        pdf_path = folder / f"{kind}.{language}.pdf"
        render.pdf(act, pdf_path)
        documents += [_document(kind, language, path) for path in (html_path, pdf_path)]

    _record(policy, stores, issue_id, scope, folder, documents)
    if scope.run_id is not None:  # however issued (the run, the next, `report acts --run`)
        mark_stage(policy, scope.run_id, DOCUMENTED)
    # The index is not itself recorded: it can name the ledger's head after the record.
    _write_index(folder, earlier, issue_id, scope, today, records, documents, heads(policy, stores))
    return Issued(folder, issue_id, documents, records)


def _grounds(policy: Policy, scope: Scope, language: Language) -> Callable[[gather.Record], str]:
    """Each extract line's ground in words: a request's run is looked up once, the words
    of each (reason, request type, action) are made once."""
    types = gather.request_types(policy, gather.run_ids(policy, scope))
    made: dict[tuple[str, str | None, str], str] = {}

    def ground(record: gather.Record) -> str:
        kind = types.get(record.run_id)
        known = made.get((record.reason, kind, record.action))
        if known is None:
            key = grounds.key(record.reason, kind)
            known = made[(record.reason, kind, record.action)] = grounds.text(
                policy, language, key, record.action
            )
        return known

    return ground


def _child_rows(policy: Policy, scope: Scope, action: str, lines: list[gather.Line]) -> ChildCounts:
    """Rows of the dependent tables, per main table of the document: as its batches counted
    them while they acted, when they counted every record the document covers; else, for
    runs of releases that did not count, the rows of depersonalized records still tied to
    them (gather.child_rows), and None for those of destroyed records, gone with them."""
    specs = {
        (store.name, spec.name): (store, spec) for store in policy.stores for spec in store.tables
    }
    records: dict[tuple[str, str], int] = {}
    for line in lines:
        records[(line.store, line.table)] = records.get((line.store, line.table), 0) + line.records
    counts: ChildCounts = {}
    counted: dict[str, dict[tuple[str, str], tuple[int, int]]] = {}
    for store_name, table in sorted(records):
        if (store_name, table) not in specs:  # a table the policy no longer names
            continue
        store, spec = specs[(store_name, table)]
        if spec.children and store_name not in counted:
            counted[store_name] = gather.counted_child_rows(policy, scope, store, action)
        for child in spec.children:
            by_batches = counted[store_name].get((table, child.table))
            if by_batches is not None and by_batches[0] == records[(store_name, table)]:
                counts[(store_name, table, child.table)] = Counted(by_batches[1])
            elif (
                action == gather.DEPERSONALIZE
                and child.columns
                and child.depersonalized_with_parent
            ):
                counts[(store_name, table, child.table)] = gather.child_rows(
                    policy, scope, store, table, child, action
                )
    return counts


_UNFINISHED = ("running", "interrupted", "superseded")
_FAILED = ("failed", "failed_validation")


def _notes(policy: Policy, scope: Scope, language: Language, stores: set[str]) -> list[str]:
    """What the act must say beside its table: how the run ended, if not well; where the
    ledger stood when the act was drawn up (an anchor a reader can check it against)."""
    notes = []
    status = gather.run_status(policy, scope.run_id) if scope.run_id else None
    if status in _FAILED:
        notes.append(texts.label(language, "note_run_failed", status=status))
    elif status in _UNFINISHED:
        notes.append(texts.label(language, "note_run_unfinished", status=status))
    for store, head in heads(policy, stores).items():
        notes.append(
            texts.label(language, "note_ledger", store=store, seq=head.seq, row_hash=head.row_hash)
        )
    return notes + hold_notes(language, gather.held(policy, scope))


def default_folder(policy_file: Path, scope: Scope) -> Path:
    """A run's documents go beside its summary.json; a period's, or a request's, under
    runs/documents/."""
    runs = output_dir(policy_file)
    if scope.run_id is not None:
        found = sorted(runs.glob(f"*-{scope.run_id}"))
        if found:
            return found[-1] / "documents"
    return runs / "documents" / scope.label


def issue_for_runs(policy: Policy, run_ids: list[str]) -> list[Issued]:
    """Each run's documents in its default folder (requests' runs: one act per request),
    once what it destroyed is erased from the stores' files as the policy says, so that
    the act can say so (execute/reclaim.py; nothing is done twice for a run)."""
    from pdpipe.execute.reclaim import reclaim

    if policy.file is None:
        raise ValueError("the policy was not read from a file: no folder for its documents")
    issued = []
    for run_id in run_ids:
        reclaim(policy, run_id)
        issued.append(issue(policy, Scope(run_id), default_folder(policy.file, Scope(run_id))))
    return issued


def _earlier(folder: Path) -> list[Document]:
    """The documents an earlier issue listed in the folder's index.json, if any."""
    index = folder / INDEX
    return json_files.read(index, DocumentsIndex).documents if index.is_file() else []


def _write_index(
    folder: Path,
    earlier: list[Document],
    issue_id: str,
    scope: Scope,
    today: dt.date,
    records: dict[str, int],
    documents: list[Document],
    ledger_heads: dict[str, ledger.Head],
) -> None:
    """index.json lists every document in the folder: one issued earlier in another
    language stays listed, a file issued again is listed with its new SHA-256. It also
    names the ledger's head once the documents are recorded (an anchor outside the
    database: pdpipe ledger verify --anchors)."""
    listed = {d.file: d for d in earlier if (folder / d.file).is_file()}
    listed.update({d.file: d for d in documents})
    index = DocumentsIndex(
        issue_id=issue_id,
        scope=scope.label,
        drawn_up=today,
        records=records,
        documents=list(listed.values()),
        ledger_heads={
            store: LedgerHead(seq=head.seq, row_hash=head.row_hash, signature=head.signature)
            for store, head in ledger_heads.items()
        },
    )
    json_files.write(folder / INDEX, index)


def _keys(records: Iterable[gather.Record]) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for record in records:
        keys.setdefault(f"{record.store}.{record.table}", []).append(record.record_key)
    return keys


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _document(kind: str, language: str | None, path: Path) -> Document:
    return Document(
        kind=kind,
        language=language,
        format=path.suffix.lstrip("."),
        file=path.name,
        sha256=sha256_of(path),
    )


def _record(
    policy: Policy,
    stores: set[str],
    issue_id: str,
    scope: Scope,
    folder: Path,
    documents: list[Document],
) -> None:
    entries = [
        ledger.Entry(
            table=d.kind,
            record_key=f"{folder.name}/{d.file}",
            action=DOCUMENT,
            reason=scope.label[:40],
            legal_basis=ORDER_179,
            categories=f"sha256:{d.sha256}",
        )
        for d in documents
    ]
    now = dt.datetime.now(dt.UTC)
    key = ledger_key(policy)
    for store in policy.stores:
        if store.name in stores:
            with opened_store(store) as connection, connection.begin():
                tables.ensure_tables(connection)
                ledger.append(connection, issue_id, store.name, entries, now, key)


@dataclass(frozen=True)
class Recorded:
    """A document the ledger knows: where it was issued, when, and its SHA-256."""

    store: str
    name: str  # <folder>/<file> as issued
    kind: str
    sha256: str
    issued_at: dt.datetime  # naive UTC
    issue_id: str  # the issue's id (the ledger's run_id), as its index.json names it

    @property
    def file(self) -> str:
        return self.name.rsplit("/", 1)[-1]


def recorded(policy: Policy) -> list[Recorded]:
    """Every document recorded in any store's ledger, once each."""
    found: dict[tuple[str, str], Recorded] = {}
    ledger_table = tables.ledger
    query = sa.select(
        ledger_table.c.store,
        ledger_table.c.record_key,
        ledger_table.c.table_name,
        ledger_table.c.categories,
        ledger_table.c.acted_at,
        ledger_table.c.run_id,
    ).where(ledger_table.c.action == DOCUMENT)
    for store in policy.stores:
        with opened_store(store, read_only=True) as connection:
            if not sa.inspect(connection).has_table(ledger_table.name):
                continue
            for row in connection.execute(query):
                sha = str(row[3]).removeprefix("sha256:")
                found.setdefault(
                    (str(row[1]), sha),
                    Recorded(str(row[0]), str(row[1]), str(row[2]), sha, row[4], str(row[5])),
                )
    return sorted(found.values(), key=lambda r: (r.issued_at, r.name))


def expired(policy: Policy, today: dt.date) -> list[tuple[Recorded, dt.date]]:
    """Documents whose keeping term (acts.keep_for, from the day of issue) has ended,
    with the day it ended."""
    keep = policy.acts.keep_for.offset()
    found = []
    for document in recorded(policy):
        issued = document.issued_at.replace(tzinfo=dt.UTC).astimezone(policy.operator.zone)
        until = (pd.Timestamp(issued.date()) + keep).date()
        if until <= today:
            found.append((document, until))
    return found
