"""The files a run leaves beside its work, as models (json_files): `summary.json`
(`pdpipe.run/1`, the same document `pdpipe run --json` prints) and the documents'
`index.json` (`pdpipe.documents/1`). docs/cli.md and docs/acts.md describe them.

They live in report/, which writes them; the readers are report's too (the dashboard,
the anchors `ledger verify --anchors` checks, `report verify`). Counts, dates, names of
stores, tables and files, digests: never a value from a store.

Fields added within version 1 have defaults, so that a file an earlier pdpipe wrote
still reads: summary.json's `validation` (before validation was part of a run),
`stage`, `ledger_heads` and `documents_issued_late_for`; index.json's `ledger_heads`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field

from pdpipe.json_files import Format, MiB, Part
from pdpipe.retention.plan_format import PlanJson

SUMMARY = "summary.json"
RUN_FORMAT = "pdpipe.run/1"
INDEX = "index.json"
DOCUMENTS_FORMAT = "pdpipe.documents/1"

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class LedgerHead(Part):
    """Where a database's ledger ended when the file was written: an anchor outside the
    database (pdpipe ledger verify --anchors)."""

    seq: int
    row_hash: str
    signature: str | None = None


class TableOutcome(Part):
    store: str
    table: str
    batches: int
    acted: dict[str, dict[str, int]]  # action -> reason -> records


class CheckJson(Part):
    store: str
    table: str
    check: str
    success: bool
    unexpected: int | None  # records that failed it: a count, never a value


class RunSummary(Format):
    FORMAT: ClassVar[str] = RUN_FORMAT

    format: str = RUN_FORMAT
    run_id: str | None  # None: a dry run
    as_of: dt.date
    status: str  # completed, dry_run, failed, failed_validation, ...
    resumed: bool
    seconds: float
    acted: int
    tables: list[TableOutcome]
    overdue_before: int
    overdue_after: int | None  # None: the run did not complete
    plan_before: PlanJson
    plan_after: PlanJson | None
    errors: list[str]  # failed partitions, by store.table#part
    validation: list[CheckJson] = Field(default_factory=list)
    stage: str | None = None  # how far it got: acted, validated, documented
    # Per database, named by its first store: anchors outside the database.
    ledger_heads: dict[str, LedgerHead] = Field(default_factory=dict)
    # Earlier runs that had acted without documents, documented by this one.
    documents_issued_late_for: list[str] = Field(default_factory=list)


def _plain_name(name: str) -> str:
    """A file of the index's own folder: a name climbing out of it is no document."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise ValueError("expected the name of a file in the index's own folder")
    return name


class Document(Part):
    """One file of an index: what it is and its SHA-256 when it was issued."""

    kind: str  # destruction-act, depersonalization-record, event-log-extract
    language: str | None  # None: a file in no language (the extract)
    format: str  # html, pdf, csv, json
    file: Annotated[str, AfterValidator(_plain_name)]
    sha256: Sha256


class DocumentsIndex(Format):
    FORMAT: ClassVar[str] = DOCUMENTS_FORMAT
    LIMIT: ClassVar[int] = 1 * MiB  # a handful of files per folder

    format: str = DOCUMENTS_FORMAT
    issue_id: str  # the last issue's id: the ledger's run_id of its documents' rows
    scope: str  # run-<id>, <from>--<to>
    drawn_up: dt.date
    records: dict[str, int]  # per action
    documents: list[Document]  # every document in the folder, earlier issues' too
    # Where the ledgers ended once the documents were recorded.
    ledger_heads: dict[str, LedgerHead] = Field(default_factory=dict)

    def by_file(self) -> dict[str, Document]:
        return {d.file: d for d in self.documents}


__all__ = [
    "DOCUMENTS_FORMAT",
    "INDEX",
    "RUN_FORMAT",
    "SUMMARY",
    "CheckJson",
    "Document",
    "DocumentsIndex",
    "LedgerHead",
    "RunSummary",
    "TableOutcome",
]
