"""`pdpipe report dashboard` writes the review dashboard; `pdpipe dashboard` serves it.

The dashboard holds counts, dates, table names, run ids and record keys: never personal
data, so it may be shown to whoever reviews the runs.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

from pdpipe.cli_common import DayOption, PolicyArg, out, parse_day, progress_bar
from pdpipe.cli_common import run_reported as _run
from pdpipe.cli_report import report_app
from pdpipe.errors import BadInput
from pdpipe.settings import output_dir

if TYPE_CHECKING:
    from pdpipe.report.dashboard.serve import DashboardServer


OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out", help="folder for the site [default: dashboard/ in the policy's runs folder]"
    ),
]


@report_app.command("dashboard")
def report_dashboard(
    policy_file: PolicyArg, out_dir: OutOption = None, as_of: DayOption = None
) -> None:
    """Write the dashboard, a static HTML site: runs over time, the backlog, subject
    requests, validation, one page per run. Opens from the file system; no server needed."""

    def work() -> None:
        index = _build(policy_file, out_dir, as_of)
        out.print(f"dashboard: {escape(str(index))}", soft_wrap=True)

    _run(work)


def dashboard_command(
    policy_file: PolicyArg,
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="port on 127.0.0.1; 0 picks a free one")
    ] = 8765,
    out_dir: OutOption = None,
) -> None:
    """Build the dashboard, then serve it on 127.0.0.1 until Ctrl-C."""

    def work() -> None:
        index = _build(policy_file, out_dir, None)
        server = _server(index.parent, output_dir(policy_file), port, _private(policy_file))
        out.print(f"serving {server.url}  (Ctrl-C stops)", soft_wrap=True, highlight=False)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            out.print("stopped")

    _run(work)


def _build(policy_file: Path, out_dir: Path | None, as_of: str | None) -> Path:
    from pdpipe.policy import load_policy
    from pdpipe.report.dashboard import build_dashboard, default_dashboard_dir

    day = parse_day(as_of, "--as-of") if as_of else None
    policy = load_policy(policy_file)
    folder = out_dir or default_dashboard_dir(policy_file)
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"--out: {folder} is a file, not a folder")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with progress_bar(*columns, TimeElapsedColumn()) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None)
            bar.update(tasks[stage], completed=done)

        return build_dashboard(policy, folder, today=day, progress=progress)


def _private(policy_file: Path) -> tuple[Path, ...]:
    """What the server must never serve, even when it lies in the runs folder."""
    from pdpipe.policy import load_policy
    from pdpipe.requests.access import reports_folder

    return (reports_folder(load_policy(policy_file)),)


def _server(site: Path, runs: Path, port: int, withheld: tuple[Path, ...]) -> DashboardServer:
    from pdpipe.report.dashboard.serve import DashboardServer

    try:
        return DashboardServer(site, runs, port, withheld)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise BadInput(f"--port: {port} is in use; choose another, or 0 for any") from None
        raise
