"""`pdpipe scan`: the personal data the stores hold, against what the policy declares."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pdpipe.cli_common import info, out, progress_bar
from pdpipe.cli_common import run_reported as _run
from pdpipe.errors import BadInput

if TYPE_CHECKING:
    from pdpipe.discovery.scan import ScanReport
    from pdpipe.policy import Policy
    from pdpipe.policy.models import StoreSpec

SCAN_FORMAT = "pdpipe.scan/1"


def scan_command(
    policy_file: Annotated[
        Path | None, typer.Argument(help="policy.yaml", show_default=False)
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="scan this database (a SQLAlchemy URL) without a policy: every "
            "finding is undeclared",
            show_default=False,
        ),
    ] = None,
    rows: Annotated[int, typer.Option(min=10, max=100_000, help="rows sampled per table")] = 2_000,
    min_share: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="a category found in fewer of a column's values is noise"
        ),
    ] = 0.05,
    as_json: Annotated[
        bool, typer.Option("--json", help=f"the findings as JSON ({SCAN_FORMAT})")
    ] = False,
    record: Annotated[
        bool,
        typer.Option(
            "--record/--no-record",
            help="keep the findings in the stores' databases (with a policy; never with "
            "--url): validation then checks the flagged columns, the dashboard shows them",
        ),
    ] = True,
) -> None:
    """Find the personal data in every table and column of the stores, declared in the
    policy or not; exit 1 when PD the policy does not name is found (clause 5.5). Prints
    names, categories and shares only, never a value."""

    def work() -> None:
        from pdpipe import api
        from pdpipe.discovery.scan import scan

        specs, policy = _stores(policy_file, url)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with progress_bar(*columns, TimeElapsedColumn(), wanted=not as_json) as bar:
            task = bar.add_task("sampling", total=None)

            def progress(store: str, done: int, total: int) -> None:
                bar.update(task, description=f"sampling {store}", completed=done, total=total)

            if policy is None:
                report = scan(specs, None, rows=rows, min_share=min_share, progress=progress)
            else:
                report = api.scan(
                    policy, rows=rows, min_share=min_share, record=record, progress=progress
                )
        if as_json:
            from pdpipe import cli_json

            cli_json.write(_document(report))
        else:
            out.print(_table(report))
            info(
                f"{report.tables} table(s), {report.columns} column(s), up to {rows:,} rows "
                "sampled per table",
                soft_wrap=True,
            )
            if report.scan_id is not None:
                info(
                    f"kept as scan {report.scan_id}: validation checks the columns it "
                    "flagged (--no-record to only look)",
                    soft_wrap=True,
                )
        if report.undeclared:
            raise typer.Exit(1)

    _run(work)


def _stores(policy_file: Path | None, url: str | None) -> tuple[list[StoreSpec], Policy | None]:
    """The stores to scan, and the policy they are judged against (none with --url)."""
    from pdpipe.policy import load_policy

    if (policy_file is None) == (url is None):
        raise BadInput("scan: give a policy file, or --url URL (not both)")
    if policy_file is not None:
        policy = load_policy(policy_file)
        return list(policy.stores), policy
    from pdpipe.discovery.store_url import bare_store

    return [bare_store(str(url))], None


def _document(report: ScanReport) -> dict[str, Any]:
    return {
        "format": SCAN_FORMAT,
        "scan_id": report.scan_id,
        "tables": report.tables,
        "columns": report.columns,
        "undeclared": len(report.undeclared),
        "findings": [
            {
                "store": v.store,
                "table": v.table,
                "column": v.column,
                "status": v.status.value,
                "found": list(v.found),
                "declared": list(v.declared),
                "share": None if v.share is None else round(v.share, 4),
                "evidence": [
                    {"category": category, "share": round(share, 4), "evidence": evidence}
                    for category, share, evidence in v.details
                ],
            }
            for v in report.verdicts
        ],
    }


def _table(report: ScanReport) -> Table:
    from pdpipe.discovery.compare import Status

    colours = {
        Status.UNDECLARED: "red",
        Status.DECLARED: "green",
        Status.NOT_FOUND: "yellow",
        Status.NOT_SAMPLED: "dim",
    }
    table = Table(title="personal data found", title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("store.table.column", "status", "found", "declared"):
        table.add_column(name)
    table.add_column("share", justify="right")
    for v in report.verdicts:
        table.add_row(
            escape(f"{v.store}.{v.table}.{v.column}"),
            f"[{colours[v.status]}]{v.status.value}[/]",
            ", ".join(v.found),
            ", ".join(v.declared),
            "" if v.share is None else f"{v.share:.0%}",
        )
    return table
