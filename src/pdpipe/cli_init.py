"""`pdpipe init`: a starter policy.yaml for an existing database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

from pdpipe.cli_common import info, out, progress_bar
from pdpipe.cli_common import run_reported as _run
from pdpipe.errors import BadInput


def init_command(
    url: Annotated[
        str,
        typer.Option(
            "--url", help="the database to start from (a SQLAlchemy URL)", show_default=False
        ),
    ],
    out_file: Annotated[
        Path, typer.Option("--out", help="where to write the starter policy")
    ] = Path("policy.yaml"),
    rows: Annotated[int, typer.Option(min=10, max=100_000, help="rows sampled per table")] = 2_000,
    force: Annotated[bool, typer.Option("--force", help="replace --out if it exists")] = False,
) -> None:
    """Write a starter policy from a scan of the database and its schema: the tables with
    personal data, keys, children, clocks, candidate end rules, categories and operators,
    and TODO where a person must decide. Names, categories and shares only, never a
    value."""

    def work() -> None:
        from pdpipe.discovery.starter import starter_policy

        if out_file.exists() and not force:
            raise BadInput(f"--out: {out_file} exists; --force replaces it")
        if out_file.exists() and not out_file.is_file():
            raise BadInput(f"--out: {out_file} is not a file")
        if not out_file.absolute().parent.is_dir():  # before the scan, not after it
            raise BadInput(f"--out: no folder {out_file.parent}")
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with progress_bar(*columns, TimeElapsedColumn()) as bar:
            task = bar.add_task("sampling", total=None)

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, description=stage, completed=done, total=total)

            starter = starter_policy(
                url, rows=rows, policy_dir=out_file.absolute().parent, progress=progress
            )
        try:
            out_file.write_text(starter.text, encoding="utf-8")
        except OSError as exc:
            raise BadInput(f"--out: cannot write {out_file} ({type(exc).__name__})") from None
        out.print(
            escape(
                f"wrote {out_file}: {len(starter.tables)} table(s) with personal data, "
                f"{starter.children} child table(s); {starter.todos} TODO(s) to decide"
            ),
            soft_wrap=True,
            highlight=False,
        )
        for table, why in starter.skipped:
            info(escape(f"not declared: {table} holds PD but has {why}"), soft_wrap=True)
        info(f"next: replace each TODO in {escape(str(out_file))}, then pdpipe check it")

    _run(work)
