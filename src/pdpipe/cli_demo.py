"""`pdpipe demo`: realistic demo stores and their policy, then the nightly job on them."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pdpipe.cli_common import DayOption, err, info, out, progress_bar
from pdpipe.cli_common import run_reported as _run
from pdpipe.cli_job import run_with_progress

if TYPE_CHECKING:
    from pdpipe.demo.previous import Cleared


def demo_command(
    directory: Annotated[Path, typer.Option("--dir", help="folder for stores and policy")] = Path(
        "pdpipe-demo"
    ),
    subjects: Annotated[int, typer.Option(min=10, help="people to generate")] = 2000,
    seed: Annotated[int, typer.Option(help="random seed: same seed, same data")] = 7,
    url: Annotated[
        str | None,
        typer.Option(help="load both stores into this database instead of SQLite files"),
    ] = None,
    as_of: DayOption = None,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="build the stores anew even if the folder has them; the previous build's "
            "runs folder (runs, documents, dashboard) and access reports in the demo folder "
            "are removed",
        ),
    ] = False,
) -> None:
    """Build realistic demo stores and their policy, then run the nightly job on them."""
    from pdpipe.demo import build_demo, marker
    from pdpipe.flows.parameters import RetentionParameters
    from pdpipe.report.run_table import render_run

    def work() -> None:
        day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
        settings = marker.build_settings(subjects, seed, url, day.isoformat())
        policy_path = directory / "policy.yaml"
        if not rebuild and marker.already_built(directory, settings):
            info(
                f"demo stores in {escape(str(directory))} are already built: running the "
                "nightly job on them again",
                soft_wrap=True,
            )
        else:
            marker.forget(directory)
            result = _build_demo_with_progress(build_demo, directory, subjects, seed, url, day)
            _say_cleared(result.cleared, directory)
            marker.remember(directory, settings)
            policy_path = result.policy_path
        info(f"policy: {escape(str(policy_path))}", soft_wrap=True)
        started = time.perf_counter()
        run_result = run_with_progress(
            RetentionParameters(
                policy_path=str(policy_path.resolve()),
                # The demo's data run to the end of its day: all of it counts.
                as_of=dt.datetime.combine(day, dt.time.max),
                max_fraction=1.0,
                allow_large=True,
            )
        )
        out.print(render_run(run_result))
        total = time.perf_counter() - started
        info(
            f"time taken: {run_result.seconds:.1f} s for the job, {total:.1f} s with its "
            "checks and documents. The demo confirms runs beyond --max-fraction; a real "
            "`pdpipe run` refuses them unless told --allow-large.",
            soft_wrap=True,
        )
        info(
            f"next: [bold]pdpipe plan {escape(str(policy_path))}[/bold], "
            f"[bold]pdpipe ledger verify {escape(str(policy_path))}[/bold], "
            "or run the demo again to see a no-op",
            soft_wrap=True,
        )

    _run(work)


def _say_cleared(cleared: Cleared, directory: Path) -> None:
    """The stores were built anew, and so are the runs (pdpipe.demo.previous says what
    went)."""
    if cleared.removed:
        folders = ", ".join(str(folder) for folder in cleared.removed)
        info(
            f"removed the previous build's runs, documents, dashboard and access reports: "
            f"{escape(folders)}",
            soft_wrap=True,
        )
    if cleared.tables:
        info(
            f"dropped pdpipe's tables of the previous build (ledger, runs, requests) from "
            f"the demo database: {', '.join(cleared.tables)}",
            soft_wrap=True,
        )
    for folder in cleared.kept:
        message = escape(
            f"{folder} holds the previous build's runs but is outside {directory} "
            "(PDPIPE_OUTPUT_DIR): left as it is; its documents are unknown to the new ledger"
        )
        err.print(f"[yellow]warning:[/yellow] {message}", highlight=False, soft_wrap=True)


def _build_demo_with_progress(
    build: Any, directory: Path, subjects: int, seed: int, url: str | None, day: dt.date
) -> Any:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with progress_bar(*columns) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, rows: int) -> None:
            if stage not in tasks:
                total = subjects if stage == "subjects" else None
                tasks[stage] = bar.add_task(f"loading {stage}", total=total)
            bar.update(tasks[stage], completed=rows)

        result = build(
            directory, subjects=subjects, seed=seed, url=url, as_of=day, progress=progress
        )
    built = Table(title="demo stores", title_justify="left", box=box.SIMPLE_HEAD)
    built.add_column("store")
    built.add_column("table")
    built.add_column("rows", justify="right")
    for store, tables in result.row_counts.items():
        for table, rows in tables.items():
            built.add_row(store, table, f"{rows:,}")
    out.print(built)
    return result
