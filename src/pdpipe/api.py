"""pdpipe's public functions, re-exported by `import pdpipe`: what the CLI and the flows
call, for a Python caller to call the same way.

    load_policy(path)                    the policy, validated (PolicyError lists problems)
    plan(policy, as_of=None)             what is due, why and by when; writes nothing
    run(policy, ...)                     the nightly job: act, erase, check, document
    validate(policy, ...)                the Great Expectations checks of a store's state
    issue_documents(policy, ...)         the act, record and extract of a run or period
    verify_ledger(policy, anchors=None)  every store's ledger: chain, head, counts, anchors
    ingest_requests(policy, mailbox)     subject requests from a mailbox into the register
    process_requests(policy)             act on the open requests
    scan(policy, record=True)            the PD in every column of the stores, against
                                         the policy; kept for the checks after it
    hold(policy, "STORE.TABLE", key, ground, until=None)
                                         keep one record from being acted on (ledgered)
    release_hold(policy, "STORE.TABLE", key, note=None)
                                         end the hold on it (ledgered)
    holds(policy, "STORE.TABLE"=None, include_released=False)
                                         the record holds, in force or all

An as-of is an instant: a `datetime` with its offset; one without, in the operator's zone;
a `date`, the start of that day there. `None` means now.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from pdpipe.execute import DEFAULT_PARTITIONS

if TYPE_CHECKING:
    from pdpipe.discovery.scan import Progress as ScanProgress
    from pdpipe.discovery.scan import ScanReport
    from pdpipe.execute.holds import RecordHold
    from pdpipe.execute.ledger import Verification
    from pdpipe.execute.runner import Progress, RunResult
    from pdpipe.policy.models import Policy
    from pdpipe.report.documents.issue import Issued
    from pdpipe.requests.intake import IngestReport
    from pdpipe.requests.process import ProcessReport
    from pdpipe.retention.decide import AsOf
    from pdpipe.retention.plan import Plan
    from pdpipe.validation.checks import ValidationReport


def load_policy(path: Path | str) -> Policy:
    from pdpipe.policy.loading import load_policy as load

    return load(path)


def _as_of(policy: Policy, when: dt.date | dt.datetime | None) -> AsOf:
    from pdpipe.retention.decide import AsOf

    if when is None:
        return AsOf.at(dt.datetime.now(dt.UTC), policy.operator.timezone)
    return AsOf.given(when, policy.operator.timezone)


def plan(policy: Policy, as_of: dt.date | dt.datetime | None = None) -> Plan:
    """Per store and table: rows, records due by reason, overdue, deadlines."""
    from pdpipe.retention.plan import build_plan
    from pdpipe.stores.schema_check import refuse_store_problems

    refuse_store_problems(policy)
    return build_plan(policy, _as_of(policy, as_of))


def run(
    policy: Policy,
    *,
    as_of: dt.date | dt.datetime | None = None,
    max_fraction: float = 0.25,
    allow_large: bool = False,
    batch_size: int = 5_000,
    partitions: int = DEFAULT_PARTITIONS,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RunResult:
    """The nightly job, as `pdpipe run` does it (pdpipe.job.run_job): raises RunFailed,
    with the run's summary, when a partition or a check failed."""
    from pdpipe.execute.runner import RunOptions
    from pdpipe.job import run_job

    options = RunOptions(
        as_of=None if as_of is None else _as_of(policy, as_of),
        max_fraction=max_fraction,
        allow_large=allow_large,
        batch_size=batch_size,
        dry_run=dry_run,
        partitions=partitions,
    )
    return run_job(policy, options, progress=progress)


def validate(
    policy: Policy,
    *,
    as_of: dt.date | dt.datetime | None = None,
    run_id: str | None = None,
    out: Path | str = "checks",
) -> ValidationReport:
    """The checks a run ends with (with `run_id`, that run's ledger check too); Data Docs
    into `out`."""
    from pdpipe.stores.schema_check import refuse_store_problems
    from pdpipe.validation.checks import validate_policy

    refuse_store_problems(policy)
    return validate_policy(policy, _as_of(policy, as_of), Path(out), run_id)


def issue_documents(
    policy: Policy,
    *,
    run_id: str | None = None,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
    folder: Path | str | None = None,
) -> Issued:
    """The act of destruction, depersonalization record and event-log extract of one run
    or of a period (both days included), recorded in the ledger."""
    from pdpipe.report.documents.gather import Scope
    from pdpipe.report.documents.issue import default_folder, issue

    scope = Scope(run_id, first_day, last_day)
    if folder is None:
        if policy.file is None:
            raise ValueError("give a folder: the policy was not read from a file")
        folder = default_folder(policy.file, scope)
    return issue(policy, scope, Path(folder))


def verify_ledger(
    policy: Policy, anchors: Path | str | None = None
) -> dict[str, Verification | None]:
    """Each database's ledger verified (None: no ledger yet), against the heads recorded
    in the run folders under `anchors` too."""
    from pdpipe.execute.ledger_check import verify_ledgers
    from pdpipe.report.anchors import read_anchors

    found = read_anchors(Path(anchors)) if anchors is not None else []
    return dict(verify_ledgers(policy, found))


def ingest_requests(policy: Policy, mailbox: Path | str) -> IngestReport:
    from pdpipe.requests.intake import ingest

    return ingest(policy, Path(mailbox))


def process_requests(policy: Policy) -> ProcessReport:
    from pdpipe.requests.process import process_open

    return process_open(policy)


def hold(
    policy: Policy, table: str, key: str, ground: str, until: dt.date | None = None
) -> RecordHold:
    """Hold the record `key` of `table` (STORE.TABLE) on `ground`, until the start of
    `until` (None: until released): no run or request destroys or depersonalizes it while
    the hold lasts. Ledgered; BadInput for a key the table lacks or a record held already."""
    from pdpipe.execute.holds import place

    return place(policy, table, key, ground, until)


def release_hold(policy: Policy, table: str, key: str, note: str | None = None) -> RecordHold:
    """Release the hold in force on the record `key` of `table`; ledgered."""
    from pdpipe.execute.holds import release

    return release(policy, table, key, note)


def holds(
    policy: Policy, table: str | None = None, *, include_released: bool = False
) -> list[RecordHold]:
    """The record holds in force (with `include_released`, every one ever placed)."""
    from pdpipe.execute.holds import list_holds

    return list_holds(policy, table, include_released=include_released)


__all__ = [
    "hold",
    "holds",
    "ingest_requests",
    "issue_documents",
    "load_policy",
    "plan",
    "process_requests",
    "release_hold",
    "run",
    "scan",
    "validate",
    "verify_ledger",
]


def scan(
    policy: Policy,
    *,
    rows: int = 2_000,
    min_share: float = 0.05,
    record: bool = True,
    progress: ScanProgress | None = None,
) -> ScanReport:
    """Sample every table of every database the stores are in and judge each column's PD
    against the policy (`pdpipe scan`). With `record`, the verdicts are kept in those
    databases: validation then also checks the columns found to hold undeclared PD, and
    the dashboard shows them over time."""
    from pdpipe.discovery.record import scan_and_keep

    return scan_and_keep(policy, rows=rows, min_share=min_share, record=record, progress=progress)
