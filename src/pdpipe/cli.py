"""The pdpipe command line: parses arguments, calls the library, reports.

Exit codes: 0 done; 1 the work ran and failed; 2 bad input (policy, arguments).
Errors are one clear message on stderr, never a traceback (PDPIPE_DEBUG=1 shows one).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pdpipe.cli_common import (
    AsOfOption,
    PolicyArg,
    err,
    face,
    info,
    out,
    parse_day,
    progress_bar,
)
from pdpipe.cli_common import run_reported as _run
from pdpipe.cli_dashboard import dashboard_command  # and `pdpipe report dashboard`
from pdpipe.cli_report import report_app
from pdpipe.cli_requests import requests_app
from pdpipe.errors import BadInput, PdpipeError, RunFailed
from pdpipe.policy.reasons import UnblockReason

if TYPE_CHECKING:
    from pdpipe.demo.previous import Cleared
    from pdpipe.execute.runner import RunResult
    from pdpipe.flows.parameters import RetentionParameters
    from pdpipe.policy import Policy
    from pdpipe.policy.errors import Problem
    from pdpipe.retention.decide import AsOf
    from pdpipe.retention.plan import Plan


app = typer.Typer(
    name="pdpipe",
    help="Enforce a personal-data processing policy on real databases.\n\n"
    "The options below come before the command: pdpipe -v --log-file job.log run POLICY",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(shown: bool) -> None:
    if shown:
        from pdpipe import __version__

        out.print(f"pdpipe {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="print pdpipe's version and exit"
        ),
    ] = False,
    verbose: Annotated[
        int,
        typer.Option(
            "-v",
            "--verbose",
            count=True,
            help="pdpipe's log on stderr: -v its INFO records, -vv DEBUG too",
            show_default=False,
        ),
    ] = 0,
    quiet: Annotated[
        bool,
        typer.Option(
            "-q",
            "--quiet",
            help="no progress bars, no informational lines; results, --json documents, "
            "warnings and errors are still printed",
        ),
    ] = False,
    log_file: Annotated[
        Path | None,
        typer.Option(
            "--log-file",
            help="append pdpipe's log records (INFO and up; DEBUG with -vv), timestamped, "
            "to this file",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Enforce a personal-data processing policy on real databases."""
    from pdpipe import cli_logging

    face.quiet = quiet
    # Raised here, BadInput reaches main(): "--log-file: cannot append to …", exit 2.
    cli_logging.configure(verbose, log_file)


def main() -> None:
    from pdpipe import cli_logging

    try:
        app()
    except PdpipeError as exc:
        if os.environ.get("PDPIPE_DEBUG"):
            # The traceback, and a failed statement's SQL (values are never in it).
            err.print_exception(show_locals=False)
            statement = getattr(exc, "statement", None)
            if statement:
                err.print(f"statement: {escape(statement)}", highlight=False, soft_wrap=True)
        # The message may quote user input such as '[/b]': never read it as markup.
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    finally:  # one process may run several commands (the tests do): each starts afresh
        cli_logging.reset()
        face.quiet = False


def _secrets_checked(policy: Policy, *, requests: bool = True) -> list[Problem]:
    """Refuse a policy whose needed secrets are unset; warn on stderr of declared ones
    that are, and return those warnings."""
    from pdpipe.policy.secrets import refuse_unset_secrets

    warnings = refuse_unset_secrets(policy, requests=requests)
    _warn(warnings, policy)
    return warnings


def _warn(warnings: list[Problem], policy: Policy) -> None:
    for warning in warnings:
        message = escape(warning.render(policy.file))
        err.print(f"[yellow]warning:[/yellow] {message}", highlight=False, soft_wrap=True)


def _as_of(text: str | None, policy: Policy) -> AsOf:
    from pdpipe.retention.decide import AsOf

    if text is None:
        return AsOf.at(dt.datetime.now(dt.UTC), policy.operator.timezone)
    return AsOf.end_of_day(parse_day(text, "--as-of"), policy.operator.timezone)


@app.command()
def check(
    policy_file: Annotated[
        Path | None, typer.Argument(help="policy.yaml", show_default=False)
    ] = None,
    schema: Annotated[
        bool, typer.Option("--schema", help="print the policy's JSON Schema and exit")
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="check the file only; do not connect to stores")
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="the verdict as JSON (pdpipe.check/1), problems included on exit 2"
        ),
    ] = False,
) -> None:
    """Validate a policy and check it against every store it names."""
    from pdpipe.policy.models import Policy as PolicyModel

    if schema:
        out.print_json(json.dumps(PolicyModel.model_json_schema()))
        return
    if policy_file is None:
        raise BadInput("check: give a policy file, or --schema")
    _run(lambda: _check(policy_file, offline=offline, as_json=as_json))


def _check(policy_file: Path, *, offline: bool, as_json: bool) -> None:
    from pdpipe import cli_json
    from pdpipe.policy import load_policy
    from pdpipe.policy.errors import PolicyError
    from pdpipe.policy.loading import located
    from pdpipe.stores.schema_check import refuse_store_problems, timestamp_warnings
    from pdpipe.validate import suites

    policy: Policy | None = None
    warnings = []
    try:
        policy = load_policy(policy_file)
        warnings += _secrets_checked(policy)  # offline too, as ${VAR}s are
        suites.configured_folder(policy)  # a file's own mistake: offline too
        if not offline:
            refuse_store_problems(policy)
            suites.verify(policy)
            zones = located(timestamp_warnings(policy), policy.file)
            _warn(zones, policy)
            warnings += zones
    except PdpipeError as exc:
        if as_json:  # a script gets the verdict too; stderr still says what is wrong
            problems = (
                [cli_json.problem(p) for p in exc.problems]
                if isinstance(exc, PolicyError)
                else [{"path": None, "line": None, "message": str(exc)}]
            )
            cli_json.write(
                cli_json.check_document(
                    policy_file,
                    offline=offline,
                    policy=policy,
                    problems=problems,
                    warnings=warnings,
                )
            )
        raise
    if as_json:
        cli_json.write(
            cli_json.check_document(policy_file, offline=offline, policy=policy, warnings=warnings)
        )
        return
    stores = ", ".join(s.name for s in policy.stores)
    tables = sum(len(s.tables) for s in policy.stores)
    where = "file checked" if offline else f"stores checked: {stores}"
    message = escape(f"{policy_file}: {tables} table(s); {where}")
    out.print(f"[green]ok[/green]: {message}", soft_wrap=True)


@app.command()
def plan(
    policy_file: PolicyArg,
    as_of: AsOfOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the plan as JSON")] = False,
    chunk_size: Annotated[int, typer.Option(min=1, help="rows read per query")] = 50_000,
) -> None:
    """Dry run: what is due, why and by when, per store and table. Writes nothing."""
    from pdpipe.policy import load_policy
    from pdpipe.report.plan_table import render_plan
    from pdpipe.stores.schema_check import refuse_store_problems

    def work() -> None:
        policy = load_policy(policy_file)
        refuse_store_problems(policy)  # a store that is down, a missing column: bad input
        result = _plan_with_progress(policy, _as_of(as_of, policy), chunk_size, not as_json)
        if as_json:
            sys.stdout.write(result.to_model().model_dump_json(indent=2) + "\n")
        else:
            out.print(render_plan(result))

    _run(work)


def _plan_with_progress(policy: Policy, as_of: AsOf, chunk_size: int, show: bool) -> Plan:
    from pdpipe.retention.plan import build_plan

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with progress_bar(*columns, wanted=show) as bar:
        tasks: dict[str, Any] = {}

        def progress(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(f"reading {label}", total=total or None)
            bar.update(tasks[label], completed=done)

        return build_plan(policy, as_of, chunk_size=chunk_size, progress=progress)


DaskOption = Annotated[
    str | None,
    typer.Option(
        "--dask",
        help="run partitions on Dask: a scheduler address (tcp://host:8786) or 'local'; "
        "default: threads, or PDPIPE_DASK_ADDRESS",
    ),
]


@app.command()
def run(
    policy_file: PolicyArg,
    as_of: AsOfOption = None,
    max_fraction: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="refuse to touch more than this share of a table"),
    ] = 0.25,
    allow_large: Annotated[
        bool, typer.Option("--allow-large", help="confirm a run beyond --max-fraction")
    ] = False,
    batch_size: Annotated[int, typer.Option(min=1, help="records per transaction")] = 5_000,
    partitions: Annotated[
        int, typer.Option(min=1, max=64, help="key ranges per table, processed in parallel")
    ] = 4,
    dask: DaskOption = None,
    prefect: Annotated[
        bool | None,
        typer.Option(
            "--prefect/--no-prefect",
            help="run as a Prefect flow run, with its tasks and artifacts (a temporary "
            "Prefect server starts unless PREFECT_API_URL names one); the default when "
            "the PREFECT_API_URL environment variable is set",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="plan only; write nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the run summary as JSON")] = False,
) -> None:
    """The nightly job: destroy, depersonalize or block what is due, with a ledger."""
    from pdpipe.flows.parameters import RetentionParameters
    from pdpipe.policy import load_policy
    from pdpipe.report import run_summary
    from pdpipe.report.run_table import render_run

    def work() -> None:
        day = parse_day(as_of, "--as-of") if as_of else None
        policy = load_policy(policy_file)  # a bad policy is refused before Prefect starts
        if not dry_run:  # and so is one whose run needs a key that is not set
            _secrets_checked(policy, requests=False)
        parameters = RetentionParameters(
            policy_path=str(policy_file.resolve()),
            as_of=day,
            max_fraction=max_fraction,
            allow_large=allow_large,
            batch_size=batch_size,
            partitions=partitions,
            dry_run=dry_run,
        )
        try:
            result = _run_job(parameters, dask, prefect=_as_flow_run(prefect, dask))
        except RunFailed as failure:  # a script reading --json still gets what was done
            if as_json and failure.summary is not None:
                sys.stdout.write(failure.summary.model_dump_json(indent=2) + "\n")
            raise
        if as_json:
            summary = run_summary.summary(result, result.errors, result.validation)
            sys.stdout.write(summary.model_dump_json(indent=2) + "\n")
        else:
            out.print(render_run(result))

    _run(work)


def _as_flow_run(prefect: bool | None, dask: str | None) -> bool:
    """A flow run when asked, when Dask runs the partitions (through Prefect's task
    runner), or when the environment names a Prefect server to report to."""
    if dask is not None:
        return True
    return bool(os.environ.get("PREFECT_API_URL")) if prefect is None else prefect


def _run_job(
    parameters: RetentionParameters, dask: str | None = None, *, prefect: bool = False
) -> RunResult:
    """The job in this process (pdpipe.job), or as a Prefect flow run; a progress bar per
    table either way."""
    from pdpipe.policy import load_policy

    columns = (
        TextColumn("{task.description}"),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    with progress_bar(*columns) as bar:
        tasks: dict[str, Any] = {}
        counts: dict[str, tuple[int, int]] = {}
        counting = threading.Lock()  # partitions report from their threads

        def progress(label: str, acted: int, batches: int) -> None:
            with counting:
                if label not in tasks:
                    tasks[label] = bar.add_task(label, total=None, detail="")
                done, made = counts.get(label, (0, 0))
                counts[label] = (done + acted, made + batches)
                detail = f"{done + acted:,} acted on, {made + batches} batches"
                bar.update(tasks[label], detail=detail)

        if not prefect:
            from pdpipe.job import LocalSteps, run_job

            step = bar.add_task("starting", total=None, detail="")

            def on_step(name: str) -> None:
                bar.update(step, description=_STEPS.get(name, name))

            policy = load_policy(parameters.policy_path)
            return run_job(
                policy,
                parameters.run_options(policy),
                steps=LocalSteps(on_step=on_step),
                progress=progress,
            )

        _quiet_prefect_console()
        from pdpipe.flows.retention import retention_flow_with
        from pdpipe.job import progress_hook

        token = progress_hook.set(progress)
        try:
            result: RunResult = retention_flow_with(dask)(parameters=parameters)
            return result
        finally:
            progress_hook.reset(token)


# What the job is doing, as the run's progress display says it (pdpipe.job's step names).
_STEPS = {
    "connect": "connecting to the stores",
    "plan": "planning",
    "snapshot": "taking the checksums of the rows",
    "process-partition": "acting, in batches",
    "finish": "counting what was done",
    "reclaim": "erasing what was destroyed from the stores' files",
    "validate": "validating (Great Expectations)",
    "report": "writing the summary, the documents and the dashboard",
}


def _quiet_prefect_console() -> None:
    """On a terminal the rich output says what happened; Prefect's own console lines and
    tracebacks would bury it. Its API logs are untouched; PDPIPE_PREFECT_CONSOLE=1 keeps all."""
    # Prefect's temporary server takes ~20 s to start on a 2-core machine, which is also
    # Prefect's default limit: a busy machine would fail the run before it began.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    if os.environ.get("PDPIPE_PREFECT_CONSOLE"):
        return
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@app.command()
def serve(policy_file: PolicyArg, dask: DaskOption = None) -> None:
    """Serve the three deployments (nightly retention, weekly integrity, hourly requests
    when the policy has `requests:`) with their schedules."""
    from pdpipe.policy import load_policy

    def work() -> None:
        # A bad policy, or a key its flows need, is refused before Prefect starts.
        _secrets_checked(load_policy(policy_file))
        from pdpipe.flows.serve import serve_all

        serve_all(policy_file, dask)

    _run(work)


@app.command("unblock")
def unblock_command(
    policy_file: PolicyArg,
    table: Annotated[str, typer.Argument(help="STORE.TABLE", show_default=False)],
    keys: Annotated[list[str], typer.Argument(help="keys of the records", show_default=False)],
    reason: Annotated[UnblockReason, typer.Option(help="why the block ends")] = (
        UnblockReason.DATA_CLARIFIED
    ),
) -> None:
    """Return blocked records to processing; the ledger records it."""
    from pdpipe.execute.unblock import unblock
    from pdpipe.policy import load_policy

    def work() -> None:
        store, _, name = table.partition(".")
        count = unblock(load_policy(policy_file), store, name, keys, reason)
        out.print(f"unblocked {count} of {len(keys)} record(s) in {escape(table)}")

    _run(work)


@app.command()
def validate(
    policy_file: PolicyArg,
    as_of: AsOfOption = None,
    out_dir: Annotated[Path, typer.Option("--out", help="folder for the Data Docs")] = Path(
        "pdpipe-validation"
    ),
    run_id: Annotated[
        str | None,
        typer.Option("--run", help="also check this run's ledger against the stores"),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="every check's result as JSON (pdpipe.validate/1), also on exit 1"
        ),
    ] = False,
) -> None:
    """Check the stores as a run leaves them (Great Expectations); exit 1 on a failure."""
    from pdpipe.policy import load_policy
    from pdpipe.stores.schema_check import refuse_store_problems

    def work() -> None:
        from pdpipe import cli_json
        from pdpipe.validate.checks import require_success, validate_policy

        policy = load_policy(policy_file)
        refuse_store_problems(policy)  # a missing table or column is bad input, not a failed check
        when = _as_of(as_of, policy)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with progress_bar(*columns, TimeElapsedColumn()) as bar:
            task = bar.add_task("validating", total=None)

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, description=stage, completed=done, total=total or None)

            report = validate_policy(policy, when, out_dir, run_id, progress=progress)
        if as_json:
            cli_json.write(cli_json.validate_document(report, when.local_date, run_id))
        else:
            table = Table(box=box.SIMPLE_HEAD, header_style="bold")
            for name in ("store.table", "check", "result", "records"):
                table.add_column(name)
            for check in report.checks:
                verdict = "[green]ok[/green]" if check.success else "[red]FAILED[/red]"
                count = "" if check.unexpected is None else f"{check.unexpected:,}"
                table.add_row(f"{check.store}.{check.table}", escape(check.check), verdict, count)
            out.print(table)
            info(f"Data Docs: {escape(str(report.data_docs))}", soft_wrap=True)
        require_success(report)

    _run(work)


@app.command()
def expectations(
    policy_file: PolicyArg,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="folder for the suites [default: expectations/ beside the policy]"
        ),
    ] = None,
) -> None:
    """Write the Great Expectations suites the policy gives, to review and commit.

    Once the folder exists, a run refuses to start while it is out of date with the policy.
    """
    from pdpipe.policy import load_policy
    from pdpipe.stores.schema_check import refuse_store_problems
    from pdpipe.validate import suites

    def work() -> None:
        policy = load_policy(policy_file)
        refuse_store_problems(policy)  # the suites are built from the stores' tables
        folder = out_dir or suites.folder_for(policy) or Path(suites.FOLDER)
        with progress_bar(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn()
        ) as bar:
            bar.add_task("building the suites from the stores' tables", total=None)
            written = suites.write(policy, folder)
        checks = sum(len(json.loads(p.read_text())["expectations"]) for p in written)
        out.print(
            f"wrote {len(written)} suite(s), {checks} check(s), into {escape(str(folder))}",
            soft_wrap=True,
        )

    _run(work)


app.add_typer(requests_app, name="requests")
app.add_typer(report_app, name="report")
app.command("dashboard")(dashboard_command)

ledger_app = typer.Typer(help="The ledger of what pdpipe did.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")


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


@app.command()
def demo(
    directory: Annotated[Path, typer.Option("--dir", help="folder for stores and policy")] = Path(
        "pdpipe-demo"
    ),
    subjects: Annotated[int, typer.Option(min=10, help="people to generate")] = 2000,
    seed: Annotated[int, typer.Option(help="random seed: same seed, same data")] = 7,
    url: Annotated[
        str | None,
        typer.Option(help="load both stores into this database instead of SQLite files"),
    ] = None,
    as_of: AsOfOption = None,
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
        run_result = _run_job(
            RetentionParameters(
                policy_path=str(policy_path.resolve()),
                as_of=day,
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


if __name__ == "__main__":
    main()
