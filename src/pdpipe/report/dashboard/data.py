"""What the dashboard shows, gathered as plain data: counts, dates, names and keys only.

runs       each database's pdpipe_runs, merged by run id, with what the run folder
           holds: summary.json (overdue before/after, seconds, validation checks),
           the Data Docs, and documents/index.json (acts, extracts)
acted      ONE GROUP BY over each database's pdpipe_ledger: records per run, day,
           table, action and reason. The ledger can hold millions of rows; none of
           them comes into Python
backlog    the plan `pdpipe plan` prints, as of the build's day, plus how many days
           are left to each due record's deadline, counted chunk by chunk as the plan
           reads (memory does not grow with the tables)
requests   the register's counts by status and type (one GROUP BY), and the open
           requests: ids, types, statuses, dates, counted by days left to their next
           deadline as `pdpipe requests list` counts them. The register keeps requesters
           pseudonymized and encrypted; nothing here reads or decrypts them
discovery  the kept discovery scans (pdpipe_scans): undeclared PD over time, and the
           latest scan's verdicts per column (names, categories, shares)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from pdpipe import json_files
from pdpipe.discovery.compare import Verdict
from pdpipe.discovery.record import ScanCount, latest_findings, policy_history
from pdpipe.errors import FormatError
from pdpipe.policy.models import Policy, StoreSpec
from pdpipe.report.documents.gather import DOCUMENT
from pdpipe.report.formats import INDEX, SUMMARY, DocumentsIndex, RunSummary
from pdpipe.requests import register, views
from pdpipe.retention.decide import AsOf
from pdpipe.retention.plan import Plan, build_plan
from pdpipe.retention.plan_format import PlanJson
from pdpipe.retention.record_holds import LEDGER_ACTIONS
from pdpipe.settings import output_dir
from pdpipe.stores import tables
from pdpipe.stores.owner import owned

# (stage, done, total): what the CLI shows while the stores are read.
Progress = Callable[[str, int, int], None]

# Days left to a due record's deadline; a record without a datable deadline is overdue,
# as the plan counts it.
OVERDUE = "overdue"
DAYS_LEFT = (OVERDUE, "0–7 days", "8–30 days", "31–90 days", "over 90 days")
_DAYS_LEFT_EDGES = np.array([8, 31, 91])

# Open requests by the days left to answer them (statutory terms are 7-10 working days).
NO_DEADLINE = "no deadline"
REQUEST_DAYS_LEFT = (OVERDUE, "0–2 days", "3–7 days", "8 days or more", NO_DEADLINE)

# Which status wins when the databases of one run disagree: the worst news.
_STATUS_ORDER = ("failed_validation", "failed", "running", "completed")

NIGHTLY, REQUEST, MANUAL = "nightly run", "subject request", "by hand"


@dataclass(frozen=True)
class Acted:
    """Records acted on, from one group of the ledger."""

    run_id: str
    day: dt.date  # a nightly run's as-of day; for other entries the ledger's (UTC) day
    store: str
    table: str
    action: str
    reason: str
    records: int

    @property
    def source(self) -> str:
        if self.run_id.startswith("request-"):  # requests/process.py: run_id_of()
            return REQUEST
        if self.run_id == "manual":  # execute/unblock.py
            return MANUAL
        return NIGHTLY


@dataclass(frozen=True)
class Check:
    store: str
    table: str
    check: str
    success: bool
    unexpected: int | None  # a count of records, never their values


@dataclass(frozen=True)
class Document:
    kind: str  # destruction-act | depersonalization-record | event-log-extract
    language: str
    format: str
    name: str  # as index.json gives it: a file of the documents folder
    sha256: str
    path: Path | None  # None: missing


@dataclass(frozen=True)
class RunTable:
    """One table of a run, from its summary: the plan before and after."""

    store: str
    table: str
    due_before: int
    overdue_before: int
    overdue_after: int | None
    blocked_after: int | None


@dataclass
class Run:
    run_id: str
    as_of: dt.date
    status: str
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    acted: list[Acted] = field(default_factory=list)
    seconds: float | None = None
    resumed: bool = False
    overdue_before: int | None = None
    overdue_after: int | None = None
    errors: int = 0
    checks: list[Check] | None = None  # None: the run left no summary.json
    tables: list[RunTable] = field(default_factory=list)
    folder: Path | None = None
    summary: Path | None = None
    data_docs: Path | None = None
    documents: list[Document] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be read, and why

    @property
    def records(self) -> int:
        return sum(a.records for a in self.acted)

    @property
    def checks_failed(self) -> int:
        return sum(1 for c in self.checks or [] if not c.success)


@dataclass(frozen=True)
class Backlog:
    plan: Plan
    days_left: dict[tuple[str, str], dict[str, int]]  # (store, table) -> bucket -> records


@dataclass(frozen=True)
class RequestCount:
    status: str
    type: str
    requests: int


@dataclass(frozen=True)
class Requests:
    configured: bool  # False: the policy has no `requests:` section
    counts: list[RequestCount] = field(default_factory=list)
    open_by_days_left: dict[str, int] = field(default_factory=dict)
    open: list[dict[str, Any]] = field(default_factory=list)  # requests/views.py rows


@dataclass(frozen=True)
class Discovery:
    scans: list[ScanCount] = field(default_factory=list)  # oldest first
    latest: list[Verdict] = field(default_factory=list)  # the latest scan's verdicts


@dataclass(frozen=True)
class Dashboard:
    as_of: AsOf
    jurisdiction: str
    timezone: str
    policy_name: str
    generated_at: dt.datetime  # UTC
    runs: list[Run]  # newest first
    acted: list[Acted]  # every ledger group, runs' and others'
    backlog: Backlog
    requests: Requests
    runs_folder: Path | None  # where run folders are (None: a policy built in memory)
    discovery: Discovery = field(default_factory=Discovery)

    @property
    def today(self) -> dt.date:
        return self.as_of.local_date


def gather(policy: Policy, as_of: AsOf, progress: Progress | None = None) -> Dashboard:
    report: Progress = progress or (lambda _stage, _done, _total: None)
    folder = None if policy.file is None else output_dir(policy.file)
    run_rows: list[dict[str, Any]] = []
    groups: list[tuple[str, dt.date, str, str, str, str, int]] = []
    databases = _databases(policy)
    for number, store in enumerate(databases):
        report("reading runs and ledgers", number, len(databases))
        found_runs, found_groups = _read_database(store)
        run_rows += found_runs
        groups += found_groups
    report("reading runs and ledgers", len(databases), len(databases))
    runs = _merge_runs(run_rows)
    acted = _acted(groups, runs)
    for run in runs.values():
        run.acted = [a for a in acted if a.run_id == run.run_id]
        if folder is not None:
            _read_folder(run, folder / f"{run.as_of.isoformat()}-{run.run_id}")
    backlog = read_backlog(policy, as_of, report)
    report("reading the request register", 0, 1)
    requests = read_requests(policy, as_of.local_date)
    report("reading the request register", 1, 1)
    discovery = Discovery(policy_history(policy), latest_findings(policy))
    ordered = sorted(
        runs.values(),
        key=lambda r: (r.as_of, r.started_at or dt.datetime.min, r.run_id),
        reverse=True,
    )
    return Dashboard(
        as_of=as_of,
        jurisdiction=policy.operator.jurisdiction.value,
        timezone=policy.operator.timezone,
        policy_name=policy.file.name if policy.file else "policy",
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        runs=ordered,
        acted=acted,
        backlog=backlog,
        requests=requests,
        runs_folder=folder,
        discovery=discovery,
    )


# -- the stores: runs and ledger counts ------------------------------------------------


def _databases(policy: Policy) -> list[StoreSpec]:
    """One store per database: stores sharing one share pdpipe's tables too."""
    return list({store.url: store for store in policy.stores}.values())


def _read_database(
    store: StoreSpec,
) -> tuple[list[dict[str, Any]], list[tuple[str, dt.date, str, str, str, str, int]]]:
    with owned(read_only=True) as stores, stores.connect(store) as connection:
        inspector = sa.inspect(connection)
        runs: list[dict[str, Any]] = []
        if inspector.has_table(tables.runs.name):
            query = sa.select(
                tables.runs.c.run_id,
                tables.runs.c.as_of_date,
                tables.runs.c.status,
                tables.runs.c.started_at,
                tables.runs.c.finished_at,
            )
            runs = [dict(row._mapping) for row in connection.execute(query)]
        groups = ledger_groups(connection) if inspector.has_table(tables.ledger.name) else []
        return runs, groups


def ledger_groups(
    connection: sa.Connection,
) -> list[tuple[str, dt.date, str, str, str, str, int]]:
    """(run id, UTC day, store, table, action, reason, records): one GROUP BY, so the
    database counts and only the groups travel (a few per run and table). The rows that
    record an issued document's SHA-256 are not records acted on: they are left out."""
    ledger = tables.ledger.c
    day = sa.func.date(ledger.acted_at)  # SQLite, PostgreSQL and MariaDB alike
    columns = (ledger.run_id, day, ledger.store, ledger.table_name, ledger.action, ledger.reason)
    # Nor are the rows that record a hold placed or released (retention/record_holds.py).
    skipped = (DOCUMENT, *LEDGER_ACTIONS)
    query = (
        sa.select(*columns, sa.func.count()).where(ledger.action.not_in(skipped)).group_by(*columns)
    )
    return [
        (str(run), _date(when), str(store), str(table), str(action), str(reason), int(n))
        for run, when, store, table, action, reason, n in connection.execute(query)
    ]


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])  # SQLite's date() gives text


def _merge_runs(rows: list[dict[str, Any]]) -> dict[str, Run]:
    """A run registers itself in every database it processes: one Run per run id."""
    runs: dict[str, Run] = {}
    for row in rows:
        run_id = str(row["run_id"])
        started, finished = row["started_at"], row["finished_at"]
        status = str(row["status"])
        known = runs.get(run_id)
        if known is None:
            runs[run_id] = Run(run_id, _date(row["as_of_date"]), status, started, finished)
            continue
        known.status = min(known.status, status, key=_severity)
        if started is not None and (known.started_at is None or started < known.started_at):
            known.started_at = started
        if finished is not None and (known.finished_at is None or finished > known.finished_at):
            known.finished_at = finished
    for run in runs.values():
        if run.started_at is not None and run.finished_at is not None:
            run.seconds = (run.finished_at - run.started_at).total_seconds()
    return runs


def _severity(status: str) -> int:
    return _STATUS_ORDER.index(status) if status in _STATUS_ORDER else len(_STATUS_ORDER)


def _acted(
    groups: list[tuple[str, dt.date, str, str, str, str, int]], runs: dict[str, Run]
) -> list[Acted]:
    """The groups per run (or per day outside runs); a nightly run's records count on its
    as-of day, the day its folder, its flow run and its documents are named after."""
    totals: dict[tuple[str, dt.date, str, str, str, str], int] = {}
    for run_id, day, store, table, action, reason, records in groups:
        run = runs.get(run_id)
        key = (run_id, run.as_of if run else day, store, table, action, reason)
        totals[key] = totals.get(key, 0) + records
    return [Acted(*key, records) for key, records in sorted(totals.items())]


# -- the run folders -------------------------------------------------------------------


def _read_folder(run: Run, folder: Path) -> None:
    if not folder.is_dir():
        return
    run.folder = folder
    docs = folder / "validation" / "data-docs" / "index.html"
    run.data_docs = docs if docs.is_file() else None
    _read_summary(run, folder / SUMMARY)
    _read_documents(run, folder / "documents")


def _read_summary(run: Run, path: Path) -> None:
    if not path.is_file():
        return
    try:
        summary = json_files.read(path, RunSummary)
    except FormatError as exc:  # the page says so; the rest of the site is still built
        run.notes.append(f"{SUMMARY}: {exc.problem}")
        return
    run.summary = path
    # The job's own time, measured by the run; the stores' timestamps have seconds only.
    run.seconds = summary.seconds
    run.resumed = summary.resumed
    run.overdue_before = summary.overdue_before
    run.overdue_after = summary.overdue_after
    run.errors = len(summary.errors)
    run.checks = [
        Check(c.store, c.table, c.check, c.success, c.unexpected) for c in summary.validation
    ]
    run.tables = _run_tables(summary.plan_before, summary.plan_after)


def _run_tables(before: PlanJson, after: PlanJson | None) -> list[RunTable]:
    later = {(t.store, t.table): t for t in after.tables} if after else {}
    rows = []
    for t in before.tables:
        done = later.get((t.store, t.table))
        rows.append(
            RunTable(
                t.store,
                t.table,
                t.due,
                t.overdue,
                None if done is None else done.overdue,
                None if done is None else done.blocked,
            )
        )
    return rows


def _read_documents(run: Run, folder: Path) -> None:
    index = folder / INDEX
    if not index.is_file():
        return
    try:
        found = json_files.read(index, DocumentsIndex)
    except FormatError as exc:
        run.notes.append(f"documents/{INDEX}: {exc.problem}")
        return
    for item in found.documents:
        path = folder / item.file  # a plain file name: the model refuses any other
        run.documents.append(
            Document(
                kind=item.kind,
                language=item.language or "",  # none: a file in no language (CSV)
                format=item.format,
                name=item.file,
                sha256=item.sha256,
                path=path if path.is_file() else None,
            )
        )


# -- the backlog -----------------------------------------------------------------------


def read_backlog(policy: Policy, as_of: AsOf, progress: Progress | None = None) -> Backlog:
    """The plan as of `as_of`, with each table's due records by days left."""
    today = np.datetime64(as_of.local_date, "D")
    buckets: dict[tuple[str, str], dict[str, int]] = {}

    def count(store: str, table: str, decisions: pd.DataFrame) -> None:
        found = buckets.setdefault((store, table), dict.fromkeys(DAYS_LEFT, 0))
        for bucket, records in days_left(decisions["deadline"], today).items():
            found[bucket] += records

    def reading(label: str, done: int, total: int) -> None:
        if progress is not None:
            progress(f"planning {label}", done, total)

    plan = build_plan(policy, as_of, progress=reading, observe=count)
    for t in plan.tables:
        buckets.setdefault((t.store, t.table), dict.fromkeys(DAYS_LEFT, 0))
    return Backlog(plan, buckets)


def days_left(deadlines: pd.Series, today: np.datetime64) -> dict[str, int]:
    """Records per DAYS_LEFT bucket, for one chunk of decisions."""
    deadline = deadlines.to_numpy().astype("datetime64[D]")
    late = np.isnat(deadline) | (deadline < today)
    left = (deadline[~late] - today).astype("int64")
    per_bucket = np.bincount(np.digitize(left, _DAYS_LEFT_EDGES), minlength=4)
    return {OVERDUE: int(late.sum())} | {
        bucket: int(n) for bucket, n in zip(DAYS_LEFT[1:], per_bucket, strict=True)
    }


# -- the request register --------------------------------------------------------------


def read_requests(policy: Policy, today: dt.date) -> Requests:
    if policy.requests is None:
        return Requests(configured=False)
    store = register.register_store(policy)
    with owned(read_only=True) as stores, stores.connect(store) as connection:
        if not sa.inspect(connection).has_table(register.requests.name):
            return Requests(configured=True)
        grouped = _request_groups(connection)
    counts: dict[tuple[str, str], int] = {}
    for status, kind, n in grouped:
        counts[(status, kind)] = counts.get((status, kind), 0) + n
    # Open requests only: what is waiting is short, the closed history is counted. Their
    # deadlines are the listing's (the next step's: a block is due at receipt, unlawful
    # processing's stop before its destruction), so the page and `requests list` agree.
    waiting_rows = views.open_requests_rows(policy, today)
    waiting = dict.fromkeys(REQUEST_DAYS_LEFT, 0)
    for row in waiting_rows:
        waiting[_request_bucket(None if row["due"] is None else _date(row["due"]), today)] += 1
    return Requests(
        configured=True,
        counts=[RequestCount(s, k, n) for (s, k), n in sorted(counts.items())],
        open_by_days_left=waiting,
        open=waiting_rows,
    )


def _request_groups(connection: sa.Connection) -> list[tuple[str, str, int]]:
    c = register.requests.c
    query = sa.select(c.status, c.type, sa.func.count()).group_by(c.status, c.type)
    return [
        (str(status), str(kind or "unclassified"), int(n))
        for status, kind, n in connection.execute(query)
    ]


def _request_bucket(due: dt.date | None, today: dt.date) -> str:
    if due is None:
        return NO_DEADLINE
    left = (due - today).days
    if left < 0:
        return OVERDUE
    if left <= 2:
        return REQUEST_DAYS_LEFT[1]
    if left <= 7:
        return REQUEST_DAYS_LEFT[2]
    return REQUEST_DAYS_LEFT[3]
