"""`pdpipe ledger …`: the record of what pdpipe did, checked."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

from pdpipe.cli_common import PolicyArg, out, progress_bar
from pdpipe.cli_common import run_reported as _run

ledger_app = typer.Typer(help="The ledger of what pdpipe did.", no_args_is_help=True)


@ledger_app.command("verify")
def ledger_verify(
    policy_file: PolicyArg,
    anchors: Annotated[
        Path | None,
        typer.Option(
            "--anchors",
            help="a folder of run outputs (runs/): check the ledger heads their summary.json "
            "and documents recorded",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the findings as JSON")] = False,
) -> None:
    """Check each store's ledger: its chain, its head, the runs' counts, the anchors kept
    outside the database, and that every run that acted has its documents; exit 1 on any
    problem, naming it."""
    from pdpipe.execute.ledger_check import verify_ledgers
    from pdpipe.policy import load_policy

    def work() -> None:
        from pdpipe.report.anchors import read_anchors
        from pdpipe.report.documents.backlog import owed

        policy = load_policy(policy_file)
        found = read_anchors(anchors) if anchors is not None else []
        databases = len({store.url for store in policy.stores})
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with progress_bar(*columns, TimeElapsedColumn()) as bar:
            task = bar.add_task("verifying the ledgers", total=databases)
            ledgers = []
            for checked in verify_ledgers(policy, found):  # one database at a time
                ledgers.append(checked)
                bar.advance(task)
            bar.update(task, description="looking for runs without documents", total=None)
            undocumented = owed(policy, settle=False)
        broken = any(r is not None and not r.ok for _, r in ledgers)
        finished = [run for run in undocumented if run.status not in ("running", "interrupted")]
        if as_json:
            report = {
                "ledgers": [
                    {
                        "store": store,
                        "rows": None if r is None else r.rows,
                        "ok": True if r is None else r.ok,
                        "first_bad_seq": None if r is None else r.first_bad_seq,
                        "problems": [] if r is None else r.problems,
                        "head": None if r is None or r.head is None else r.head.as_json(),
                    }
                    for store, r in ledgers
                ],
                "anchors_checked": len(found),
                "runs_without_documents": [
                    {"run_id": run.run_id, "as_of": run.as_of_date, "status": run.status}
                    for run in undocumented
                ],
            }
            sys.stdout.write(json.dumps(report, indent=2) + "\n")
        for store, result in [] if as_json else ledgers:
            if result is None:
                out.print(f"{store}: no ledger yet")
            elif result.ok:
                out.print(
                    f"[green]ok[/green] {store}: {result.rows:,} row(s), chain intact"
                    + (", head matches" if result.head else ""),
                    highlight=False,
                )
            else:
                where = (
                    f" (first bad row: seq {result.first_bad_seq})"
                    if result.first_bad_seq is not None
                    else ""
                )
                out.print(f"[red]broken[/red] {store}: {escape(result.problems[0])}{where}")
                for problem in result.problems[1:]:
                    out.print(f"  {escape(problem)}")
        if not as_json and found:
            out.print(f"{len(found)} anchor(s) checked in {escape(str(anchors))}", soft_wrap=True)
        for run in [] if as_json else undocumented:
            still = run.status in ("running", "interrupted")
            out.print(
                f"[{'yellow' if still else 'red'}]no documents[/] run {run.run_id} "
                f"(as of {run.as_of_date}, {run.status}) acted on records and has no act"
                + (
                    ": it is unfinished; the run that resumes it issues them"
                    if still
                    else ": the next `pdpipe run` issues them"
                ),
                soft_wrap=True,
            )
        if broken or finished:
            raise typer.Exit(1)

    _run(work)
