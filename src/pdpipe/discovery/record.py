"""A scan's verdicts, kept in the databases it scanned (pdpipe_scans, pdpipe_findings), for
the checks after it and the history the dashboard and the discovery flow show.

Each database gets the scan's row and the verdicts of the stores it holds: validation
reads the latest scan of the database it checks, wherever the scan ran (a laptop, a
worker). Names, statuses, categories and shares only: a sampled value never gets here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from pdpipe.discovery.compare import Status, Verdict
from pdpipe.discovery.sample import DEFAULT_ROWS
from pdpipe.discovery.scan import MIN_SHARE, Progress, ScanReport, scan_policy
from pdpipe.policy.models import Policy, StoreSpec
from pdpipe.stores import tables
from pdpipe.stores.owner import Stores, owned

_ROWS_PER_INSERT = 1_000


@dataclass(frozen=True)
class ScanCount:
    """One scan of one database, as its history shows it."""

    scan_id: str
    scanned_at: dt.datetime  # UTC, naive
    tables: int
    columns: int
    undeclared: int  # columns with PD the policy does not name


def scan_and_keep(
    policy: Policy,
    *,
    rows: int = DEFAULT_ROWS,
    min_share: float = MIN_SHARE,
    record: bool = True,
    progress: Progress | None = None,
) -> ScanReport:
    """Scan the policy's stores and, with `record`, keep the verdicts in them (one owner
    of the stores for both)."""
    with owned() as stores:
        report = scan_policy(
            policy, rows=rows, min_share=min_share, progress=progress, stores=stores
        )
        if record:
            report.scan_id = record_scan(policy, report, stores=stores)
    return report


def record_scan(
    policy: Policy,
    report: ScanReport,
    *,
    scanned_at: dt.datetime | None = None,
    stores: Stores | None = None,
) -> str:
    """Keep `report` in every database the policy's stores are in; returns the scan id."""
    scan_id = str(uuid.uuid4())
    at = (scanned_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    by_url: dict[str, list[StoreSpec]] = {}
    for store in policy.stores:
        by_url.setdefault(store.url, []).append(store)
    with owned(stores) as owner:
        for specs in by_url.values():
            names = {s.name for s in specs}
            mine = [v for v in report.verdicts if v.store in names]
            with owner.begin(specs[0]) as connection:
                _write(connection, scan_id, at, report, mine)
    return scan_id


def _write(
    connection: sa.Connection,
    scan_id: str,
    at: dt.datetime,
    report: ScanReport,
    verdicts: list[Verdict],
) -> None:
    for table in (tables.scans, tables.findings):
        table.create(connection, checkfirst=True)
    # The scan's totals, the same in every database it reached: its history reads whole
    # from any one of them.
    connection.execute(
        tables.scans.insert().values(
            scan_id=scan_id,
            scanned_at=at,
            tables=report.tables,
            columns=report.columns,
            rows_sampled=report.rows_sampled,
            undeclared=len(report.undeclared),
        )
    )
    rows = [
        {
            "scan_id": scan_id,
            "seq": seq,
            "store": v.store,
            "table_name": v.table,
            "column_name": v.column,
            "status": v.status.value,
            "found": ",".join(v.found),
            "declared": ",".join(v.declared),
            "share": v.share,
        }
        for seq, v in enumerate(verdicts)
    ]
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        connection.execute(tables.findings.insert(), rows[start : start + _ROWS_PER_INSERT])


def latest_undeclared(connection: sa.Connection, store: str) -> dict[str, list[str]]:
    """Per table, the columns (or JSON key paths) of `store` where the latest scan of this
    database found PD the policy does not name; {} when it was never scanned."""
    if not sa.inspect(connection).has_table(tables.findings.name):
        return {}
    scans, findings = tables.scans, tables.findings
    latest = (
        sa.select(scans.c.scan_id)
        .order_by(scans.c.scanned_at.desc(), scans.c.scan_id.desc())
        .limit(1)
        .scalar_subquery()
    )
    found = connection.execute(
        sa.select(findings.c.table_name, findings.c.column_name)
        .where(findings.c.scan_id == latest)
        .where(findings.c.store == store, findings.c.status == Status.UNDECLARED.value)
        .order_by(findings.c.table_name, findings.c.column_name)
    )
    flagged: dict[str, list[str]] = {}
    for table, column in found:
        flagged.setdefault(str(table), []).append(str(column))
    return flagged


def history(connection: sa.Connection, limit: int = 200) -> list[ScanCount]:
    """The database's last `limit` scans, oldest first."""
    if not sa.inspect(connection).has_table(tables.scans.name):
        return []
    scans = tables.scans
    rows = connection.execute(
        sa.select(
            scans.c.scan_id, scans.c.scanned_at, scans.c.tables, scans.c.columns, scans.c.undeclared
        )
        .order_by(scans.c.scanned_at.desc())
        .limit(limit)
    ).all()
    return [ScanCount(str(r[0]), r[1], int(r[2]), int(r[3]), int(r[4])) for r in reversed(rows)]


def findings_of(connection: sa.Connection, scan_id: str) -> list[Verdict]:
    """The verdicts a scan kept in this database, in the order it judged them."""
    findings = tables.findings
    rows = connection.execute(
        sa.select(findings).where(findings.c.scan_id == scan_id).order_by(findings.c.seq)
    ).mappings()
    return [_verdict(row) for row in rows]


def _verdict(row: sa.RowMapping) -> Verdict:
    return Verdict(
        store=row["store"],
        table=row["table_name"],
        column=row["column_name"],
        status=Status(row["status"]),
        found=_split(row["found"]),
        declared=_split(row["declared"]),
        share=row["share"],
    )


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(",") if part)


def _each_database(policy: Policy, stores: Stores | None) -> Iterator[sa.Connection]:
    """A read-only connection to each database the policy's stores are in, once each."""
    first_of_each: dict[str, StoreSpec] = {}
    for store in policy.stores:
        first_of_each.setdefault(store.url, store)
    with owned(stores, read_only=True) as owner:
        for store in first_of_each.values():
            with owner.connect(store) as connection:
                yield connection


def policy_history(
    policy: Policy, *, limit: int = 200, stores: Stores | None = None
) -> list[ScanCount]:
    """The last `limit` scans of the policy's stores, oldest first, from every database
    the stores are in (a scan with a policy reaches each of them; the policy may have
    gained a store since)."""
    merged: dict[str, ScanCount] = {}
    for connection in _each_database(policy, stores):
        for count in history(connection, limit):
            merged.setdefault(count.scan_id, count)
    ordered = sorted(merged.values(), key=lambda c: (c.scanned_at, c.scan_id))
    return ordered[-limit:]


def latest_findings(policy: Policy, *, stores: Stores | None = None) -> list[Verdict]:
    """The verdicts of the policy's latest scan, from every database it reached."""
    scans = policy_history(policy, limit=1, stores=stores)
    if not scans:
        return []
    found: list[Verdict] = []
    for connection in _each_database(policy, stores):
        if sa.inspect(connection).has_table(tables.findings.name):
            found += findings_of(connection, scans[-1].scan_id)
    return sorted(found, key=lambda v: (v.store, v.table, v.column))
