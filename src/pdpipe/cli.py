"""The pdpipe command line: parses arguments, calls the library, reports.

Exit codes: 0 done; 1 the work ran and failed; 2 bad input (policy, arguments).
Errors are one clear message on stderr, never a traceback (PDPIPE_DEBUG=1 shows one).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
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
    parse_as_of,
    progress_bar,
)
from pdpipe.cli_common import run_reported as _run
from pdpipe.cli_dashboard import dashboard_command  # and `pdpipe report dashboard`
from pdpipe.cli_demo import demo_command
from pdpipe.cli_holds import hold_app
from pdpipe.cli_init import init_command
from pdpipe.cli_job import as_flow_run, run_with_progress
from pdpipe.cli_ledger import ledger_app
from pdpipe.cli_report import report_app
from pdpipe.cli_requests import requests_app
from pdpipe.cli_scan import scan_command
from pdpipe.errors import BadInput, PdpipeError, RunFailed
from pdpipe.execute import DEFAULT_PARTITIONS
from pdpipe.policy.reasons import UnblockReason

if TYPE_CHECKING:
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
    return AsOf.given(parse_as_of(text), policy.operator.timezone)


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
    from pdpipe.policy.grounds import ground_warnings
    from pdpipe.policy.jurisdiction import jurisdiction_warnings
    from pdpipe.policy.loading import located
    from pdpipe.stores.condition_values import observed_value_warnings
    from pdpipe.stores.schema_check import refuse_store_problems, timestamp_warnings
    from pdpipe.validation import suites

    policy: Policy | None = None
    warnings = []
    try:
        policy = load_policy(policy_file)
        warnings += _secrets_checked(policy)  # offline too, as ${VAR}s are
        # Offline too: a reading of the file alone (a lawyer decides, so only a warning).
        sensed = located(jurisdiction_warnings(policy) + ground_warnings(policy), policy.file)
        _warn(sensed, policy)
        warnings += sensed
        suites.configured_folder(policy)  # a file's own mistake: offline too
        if not offline:
            refuse_store_problems(policy)
            suites.verify(policy)
            found = located(
                timestamp_warnings(policy) + observed_value_warnings(policy), policy.file
            )
            _warn(found, policy)
            warnings += found
    except PdpipeError as exc:
        if as_json:  # a script gets the verdict too; stderr still says what is wrong
            problems = (
                [cli_json.problem(p) for p in exc.problems]
                if isinstance(exc, PolicyError)
                else [{"path": None, "line": None, "column": None, "message": str(exc)}]
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
    ] = DEFAULT_PARTITIONS,
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
        when = parse_as_of(as_of) if as_of else None
        policy = load_policy(policy_file)  # a bad policy is refused before Prefect starts
        if not dry_run:  # and so is one whose run needs a key that is not set
            _secrets_checked(policy, requests=False)
        parameters = RetentionParameters(
            policy_path=str(policy_file.resolve()),
            as_of=when,
            max_fraction=max_fraction,
            allow_large=allow_large,
            batch_size=batch_size,
            partitions=partitions,
            dry_run=dry_run,
        )
        try:
            result = run_with_progress(parameters, dask, prefect=as_flow_run(prefect, dask))
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


@app.command()
def serve(policy_file: PolicyArg, dask: DaskOption = None) -> None:
    """Serve the four deployments (nightly retention, weekly integrity, weekly discovery,
    hourly requests when the policy has `requests:`) with their schedules."""
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
        from pdpipe.validation.checks import require_success, validate_policy

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
    from pdpipe.validation import suites

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
app.add_typer(ledger_app, name="ledger")
app.add_typer(hold_app, name="hold")
app.command("demo")(demo_command)
app.command("scan")(scan_command)
app.command("init")(init_command)


if __name__ == "__main__":
    main()
