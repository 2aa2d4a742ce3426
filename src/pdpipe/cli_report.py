"""`pdpipe report …`: the documents that prove what a run did, and the dashboard."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich import box
from rich.markup import escape
from rich.progress import SpinnerColumn, TextColumn
from rich.table import Table

from pdpipe.cli_common import DayOption, PolicyArg, err, info, out, parse_day, progress_bar
from pdpipe.cli_common import run_reported as _run
from pdpipe.errors import BadInput, RunFailed

if TYPE_CHECKING:
    from pdpipe.policy import Policy
    from pdpipe.report.documents.verify import VerifyReport


report_app = typer.Typer(
    help="Proof and review: destruction acts, event-log extracts, the dashboard.",
    no_args_is_help=True,
)


@report_app.command("acts")
def acts_command(
    policy_file: PolicyArg,
    run_id: Annotated[str | None, typer.Option("--run", help="the documents of one run")] = None,
    first: Annotated[
        str | None, typer.Option("--from", help="first day of a period (YYYY-MM-DD)")
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="last day of a period (YYYY-MM-DD)")
    ] = None,
    folder: Annotated[
        Path | None,
        typer.Option("--out", help="folder for the documents (default: the run's folder)"),
    ] = None,
    language: Annotated[
        Literal["ru", "en"] | None,
        typer.Option("--lang", help="ru or en (default: the policy's acts.language)"),
    ] = None,
    list_expired: Annotated[
        bool,
        typer.Option("--expired", help="list documents past their keeping term instead"),
    ] = False,
    as_of: DayOption = None,
) -> None:
    """The act of destruction, the depersonalization record and the event-log extract
    (Order 179) of a run or a period, their SHA-256 recorded in the ledger."""
    from pdpipe.policy import load_policy
    from pdpipe.report.documents.gather import Scope
    from pdpipe.report.documents.issue import default_folder, issue

    def work() -> None:
        policy = load_policy(policy_file)
        today = (
            parse_day(as_of, "--as-of") if as_of else dt.datetime.now(policy.operator.zone).date()
        )
        if list_expired:
            _print_expired(policy, today)
            return
        scope = Scope(
            run_id,
            parse_day(first, "--from") if first else None,
            parse_day(last, "--to") if last else None,
        )
        target = folder or default_folder(policy_file, scope)
        # On stderr with the other progress displays: stdout keeps only the result.
        with progress_bar(SpinnerColumn(), TextColumn("{task.description}")) as bar:
            task = bar.add_task("writing the documents…", total=None)
            issued = issue(
                policy,
                scope,
                target,
                language=language,
                today=today,
                progress=lambda step: bar.update(task, description=f"writing the {step}…"),
            )
        if not issued.documents:
            out.print(f"nothing was destroyed or depersonalized in {escape(scope.label)}")
            return
        table = Table(box=box.SIMPLE_HEAD, header_style="bold")
        for name in ("document", "file", "SHA-256"):
            table.add_column(name)
        for document in issued.documents:
            table.add_row(document.kind, document.file, document.sha256)
        out.print(table)
        counts = ", ".join(f"{action}: {n:,}" for action, n in issued.records.items() if n)
        out.print(f"records: {counts}")
        out.print(f"written to {escape(str(issued.folder))}", soft_wrap=True)
        info("their SHA-256 are recorded in the ledger; check with `pdpipe report verify`")

    _run(work)


def _print_expired(policy: Policy, today: dt.date) -> None:
    from pdpipe.report.documents.issue import expired

    found = expired(policy, today)
    if not found:
        out.print(f"no document is past its keeping term ({policy.acts.keep_for}) on {today}")
        return
    table = Table(box=box.SIMPLE_HEAD, header_style="bold")
    for name in ("document", "issued", "kept until", "SHA-256"):
        table.add_column(name)
    for document, until in found:
        issued = document.issued_at.date().isoformat()
        table.add_row(escape(document.name), issued, until.isoformat(), document.sha256)
    out.print(table)
    out.print(f"{len(found)} document(s) past their keeping term ({policy.acts.keep_for})")


@report_app.command("verify")
def verify_command(
    policy_file: PolicyArg,
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="documents, folders of them, or a folder of run folders (runs/)",
            show_default=False,
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="each document's status and the ledgers' as JSON")
    ] = False,
) -> None:
    """Check documents against the SHA-256 the ledger recorded when they were issued:
    each is verified, edited (another SHA-256 than recorded), unknown to this ledger
    (issued with another one, or not by pdpipe) or missing; exit 1 unless every one is
    verified and the ledgers are intact."""
    from pdpipe.execute.ledger_check import verify_ledgers
    from pdpipe.policy import load_policy
    from pdpipe.report.documents.verify import LedgerState, report, verify

    def work() -> None:
        policy = load_policy(policy_file)
        missing = [p for p in paths if not p.exists()]
        if missing:
            raise BadInput(f"{missing[0]}: no such file or folder")
        checks = verify(policy, paths)
        if not checks:
            raise BadInput(f"{', '.join(map(str, paths))}: no document to check")
        # A digest found in a ledger whose chain is broken proves nothing.
        ledgers = [
            LedgerState(
                store=store,
                ok=result is None or result.ok,
                problems=[] if result is None else result.problems,
            )
            for store, result in verify_ledgers(policy)
        ]
        found = report(checks, ledgers)
        if as_json:
            sys.stdout.write(found.model_dump_json(indent=2) + "\n")
        else:
            _print_checks(found)
        if not found.ok:
            raise RunFailed(_verdict(found))
        if not as_json:
            out.print(f"{len(checks)} document(s) match the ledger")

    _run(work)


_SAYS = {
    "edited": "[red]EDITED[/red] ",
    "missing": "[red]MISSING[/red]",
    "unknown": "[yellow]UNKNOWN[/yellow]",
}


def _print_checks(found: VerifyReport) -> None:
    for check in found.documents:
        name = escape(check.file)
        if check.ok:
            out.print(f"[green]ok[/green]      {name}", soft_wrap=True)
        elif check.status == "edited":
            err.print(
                f"{_SAYS['edited']} {name}: its SHA-256 is not the one the ledger recorded "
                f"when it was issued (as {escape(str(check.recorded_as))})",
                soft_wrap=True,
            )
        elif check.status == "missing":
            err.print(
                f"{_SAYS['missing']} {name}: recorded"
                + (f" (as {escape(check.recorded_as)})" if check.recorded_as else "")
                + ", and the file is gone",
                soft_wrap=True,
            )
        else:
            # Matching its own index.json, it is most likely a document of another
            # ledger; a file no index lists may be anything.
            listed = check.sha256 is not None and check.recorded_sha256 == check.sha256
            err.print(
                f"{_SAYS['unknown']} {name}: neither this file nor its issue is in this "
                "policy's ledgers"
                + (", though it matches its index.json" if listed else "")
                + " (issued with another ledger, e.g. before `pdpipe demo --rebuild`, or "
                "not by pdpipe)",
                soft_wrap=True,
            )
    for state in found.ledgers:
        if not state.ok:
            problems = escape("; ".join(state.problems))
            err.print(f"[red]LEDGER BROKEN[/red] {state.store}: {problems}", soft_wrap=True)


def _verdict(found: VerifyReport) -> str:
    """Why verify exits 1: a broken ledger first, then edits and losses, then documents
    the ledger does not know (not proof of an edit, but nothing this ledger vouches for)."""
    if not all(state.ok for state in found.ledgers):
        return "the ledger that records the documents is broken: see above"
    total = len(found.documents)
    counts = {str(status): n for status, n in found.counts.items()}
    bad = counts["edited"] + counts["missing"]
    if bad:
        parts = [f"{counts[s]} {s}" for s in ("edited", "missing", "unknown") if counts[s]]
        return f"{bad} of {total} document(s) do not match the ledger ({', '.join(parts)})"
    return (
        f"{counts['unknown']} of {total} document(s) are unknown to this policy's ledgers, "
        "none edited or missing: they were issued with another ledger (e.g. before "
        "`pdpipe demo --rebuild`) or not by pdpipe"
    )
