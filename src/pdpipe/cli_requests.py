"""`pdpipe requests …`: subject requests from the mailbox to a closed case.

Nothing here prints a requester's address or a message's text; requests are named by
their register id, and the only output with personal data is the access report file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pdpipe.cli_common import DayOption, PolicyArg, out, parse_day, progress_bar
from pdpipe.cli_common import run_reported as _run
from pdpipe.errors import BadInput
from pdpipe.requests.classify import RequestType

requests_app = typer.Typer(
    help="Subject requests: ingest a mailbox, act, and watch the deadlines.",
    no_args_is_help=True,
)


@requests_app.command("ingest")
def ingest_command(
    policy_file: PolicyArg,
    mailbox: Annotated[
        Path, typer.Argument(help="an mbox file, a Maildir, or a folder of .eml files")
    ],
    then_process: Annotated[
        bool, typer.Option("--process/--no-process", help="act on the new requests at once")
    ] = False,
) -> None:
    """Register every message in MAILBOX (again: only what is new). Exit 0 even when some
    messages cannot be understood: they are registered for review, each named by its place
    in the mailbox and a digest, never by a header. Exit 2 when MAILBOX is none."""
    from pdpipe.policy import load_policy
    from pdpipe.requests.intake import ingest

    def work() -> None:
        policy = load_policy(policy_file)
        with progress_bar(TextColumn("{task.description}"), TimeElapsedColumn()) as bar:
            task = bar.add_task("reading the mailbox", total=None)
            report = ingest(
                policy,
                mailbox,
                progress=lambda read: bar.update(task, description=f"{read:,} message(s) read"),
            )
        kinds = ", ".join(f"{k}: {n}" for k, n in sorted(report.registered.items()))
        out.print(
            f"registered {report.total_registered} request(s)"
            + (f" ({kinds})" if kinds else "")
            + f"; {report.already} already registered; {len(report.flagged)} flagged for review",
            soft_wrap=True,
        )
        for item in report.flagged:
            reasons = ", ".join(item.reasons)
            out.print(
                f"  needs review: {item.request_id} {escape(item.name)}: {reasons}",
                soft_wrap=True,
                highlight=False,
            )
        if report.ignored:
            entries = "entry" if report.ignored == 1 else "entries"
            out.print(
                f"  {report.ignored} other {entries} in the mailbox's folders not read "
                "(not .eml, dotfiles, folders)"
            )
        if report.future_dated:
            out.print(
                f"  {len(report.future_dated)} dated in the future (Date after the ingest): "
                "their deadlines count from the ingest; flagged in `requests list`: "
                + ", ".join(report.future_dated),
                soft_wrap=True,
            )
        if report.rekeyed:
            out.print(
                f"  {report.rekeyed} register row(s) re-keyed: their requester hash was the "
                "depersonalization pseudonym"
            )
        if then_process:
            _print_processed(policy_file)

    _run(work)


def _print_processed(policy_file: Path) -> None:
    from pdpipe.policy import load_policy
    from pdpipe.report.documents.issue import issue_for_runs
    from pdpipe.requests.process import process_open

    policy = load_policy(policy_file)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with progress_bar(*columns, TimeElapsedColumn()) as bar:
        task = bar.add_task("processing requests", total=None)
        report = process_open(
            policy, progress=lambda done, total: bar.update(task, completed=done, total=total)
        )
        bar.update(task, description="issuing the acts of destruction", total=None)
        issued_acts = issue_for_runs(policy, report.destroying_runs)
    for issued in issued_acts:
        out.print(f"  act of destruction: {escape(str(issued.folder))}", soft_wrap=True)
    closed = ", ".join(f"{k}: {n}" for k, n in sorted(report.closed.items())) or "none"
    out.print(
        f"closed: {closed}; {report.acted} record(s) acted on; "
        f"{len(report.waiting)} update(s) await approval",
        soft_wrap=True,
    )
    if report.stopped:
        out.print(
            f"  {len(report.stopped)} unlawful-processing request(s) stopped (records blocked), "
            "awaiting a decision: made lawful (requests close, pdpipe unblock) or destroyed "
            "(requests approve)",
            soft_wrap=True,
        )
    for path in report.access_reports:
        out.print(f"  access report (personal data, send it to the requester): {path}")
    _print_notices(report.notices)


def _print_notices(paths: list[Path]) -> None:
    """Where the drafted notices are: their folder and count (the files hold an address)."""
    if not paths:
        return
    folders = sorted({str(p.parent) for p in paths})
    out.print(
        f"  {len(paths)} notice draft(s) to check and send (personal data, RU and EN): "
        + escape(", ".join(folders)),
        soft_wrap=True,
    )


@requests_app.command("process")
def process_command(policy_file: PolicyArg) -> None:
    """Act on every open request: block, destroy or depersonalize, report; close what is done."""
    _run(lambda: _print_processed(policy_file))


@requests_app.command("list")
def list_command(
    policy_file: PolicyArg,
    due_within: Annotated[
        int | None, typer.Option("--due-within", help="only those due within DAYS", min=0)
    ] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="only the overdue ones")] = False,
    everything: Annotated[bool, typer.Option("--all", help="closed requests too")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    as_of: DayOption = None,
) -> None:
    """The register's requests with their deadlines; overdue ones in red."""
    from pdpipe.policy import load_policy
    from pdpipe.requests.views import due_text, open_requests_rows, review_words, today_for

    def work() -> None:
        policy = load_policy(policy_file)
        today = today_for(policy) if as_of is None else parse_day(as_of, "--as-of")
        rows = open_requests_rows(policy, today, include_closed=everything)
        if due_within is not None:
            rows = [r for r in rows if r["days_left"] is not None and r["days_left"] <= due_within]
        if overdue:
            rows = [r for r in rows if r["overdue"]]
        if as_json:
            document = {"format": "pdpipe.requests/1", "today": today.isoformat(), "requests": rows}
            sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
            return
        table = Table(box=box.SIMPLE_HEAD, header_style="bold")
        names = ("id", "subject", "message", "type", "status", "received", "due", "days left")
        # What a reviewer copies (ids, digests, days) stays whole; words fold when narrow.
        whole = {"id", "subject", "message", "received", "due"}
        for name in (*names, "records", "review"):
            table.add_column(
                name, no_wrap=name in whole, overflow="ellipsis" if name in whole else "fold"
            )
        for r in rows:
            style = "red" if r["overdue"] else None
            table.add_row(
                r["id"],
                r["subject"] or "-",
                (r["message_id_sha256"] or "-")[:12],
                r["type"] or "?",
                r["status"],
                r["received"],
                due_text(r),
                "" if r["days_left"] is None else str(r["days_left"]),
                str(r["records"]),
                ", ".join(review_words(r)),
                style=style,
            )
        _print_wide(table)
        late = sum(1 for r in rows if r["overdue"])
        out.print(f"{len(rows)} request(s); {late} overdue (as of {today.isoformat()})")

    _run(work)


def _print_wide(table: Table) -> None:
    """Piped, the listing is for a log or a script: wide enough for every column whole (a
    terminal keeps its own width)."""
    if out.is_terminal:
        out.print(table)
        return
    usual = out.width
    out.width = max(usual, 160)
    try:
        out.print(table)
    finally:
        out.width = usual


@requests_app.command("approve")
def approve_command(
    policy_file: PolicyArg, request_id: Annotated[str, typer.Argument(help="the request's id")]
) -> None:
    """Apply what an open request asks once a person decided, and close it: an update's
    proposed values; for unlawful processing that cannot be made lawful, destruction of
    the person's records (with the act of destruction). Recorded in the ledger."""
    from pdpipe.policy import load_policy
    from pdpipe.report.documents.issue import issue_for_runs
    from pdpipe.requests.process import approve

    def work() -> None:
        policy = load_policy(policy_file)
        done = approve(policy, request_id)
        verb = "updated" if done.kind is RequestType.UPDATE else "destroyed"
        out.print(f"request {escape(request_id)}: {verb} {done.records} record(s); closed")
        _print_notices(done.notices)
        if done.destroying_run is not None:
            for issued in issue_for_runs(policy, [done.destroying_run]):
                out.print(f"  act of destruction: {escape(str(issued.folder))}", soft_wrap=True)

    _run(work)


@requests_app.command("extend")
def extend_command(
    policy_file: PolicyArg,
    request_id: Annotated[str, typer.Argument(help="the request's id")],
    reason: Annotated[str, typer.Option("--reason", help="the reasoned notice sent")],
) -> None:
    """Extend an open request's deadline once, with the reason given to the requester; only
    where the statute grants an extension (the total counted from receipt)."""
    from pdpipe.policy import load_policy
    from pdpipe.requests import notices, register
    from pdpipe.requests.intake import keys_for
    from pdpipe.requests.sla import TERM_OF, extendable, extended

    def work() -> None:
        policy = load_policy(policy_file)
        if not reason.strip():
            raise BadInput("--reason: say why the deadline is extended")
        with register.connect(policy) as connection:
            request = register.load_one(connection, request_id)
            if not request.open or request.deadline is None or request.type is None:
                raise BadInput(f"request {request_id} is not open")
            if request.extended_until is not None:
                raise BadInput(f"request {request_id} was extended already, once is the limit")
            kind = RequestType(request.type)
            if not extendable(policy, kind):
                term = policy.term(TERM_OF[kind])
                raise BadInput(
                    f"request {request_id}: a {kind.value} request has no extension: its term "
                    f"({term.describe()}, {term.source or 'the policy'}) is not one the law "
                    f"lets a notice extend for {policy.operator.jurisdiction.value} "
                    "(requests.extendable in the policy names those that may be); nothing "
                    "changed"
                )
            until = extended(policy, kind, request.received_at)
            register.update(
                connection,
                request_id,
                status=register.Status.EXTENDED.value,
                extended_until=until,
                extension_reason=reason.strip(),
            )
        out.print(f"request {escape(request_id)}: due {until.isoformat()} (was {request.deadline})")
        kind_ = notices.NoticeKind.EXTENSION
        drafted = notices.draft(
            policy, keys_for(policy), request, kind_, reason=reason.strip(), until=until.isoformat()
        )
        _print_notices(drafted)

    _run(work)


@requests_app.command("classify")
def classify_command(
    policy_file: PolicyArg,
    request_id: Annotated[str, typer.Argument(help="the request's id")],
    kind: Annotated[RequestType, typer.Argument(help="the type a person read in it")],
) -> None:
    """Give a request awaiting review its type; its deadline is counted from receipt."""
    from pdpipe.policy import load_policy
    from pdpipe.requests import register
    from pdpipe.requests.sla import due

    def work() -> None:
        policy = load_policy(policy_file)
        with register.connect(policy) as connection:
            request = register.load_one(connection, request_id)
            if request.status != register.Status.NEEDS_REVIEW:
                raise BadInput(f"request {request_id} is {request.status}, not awaiting review")
            if not request.has_contact:
                raise BadInput(
                    f"request {request_id}: pdpipe could not read a sender address in the "
                    "message, so it cannot find or answer the person; answer it by hand and "
                    "close it with `pdpipe requests close`"
                )
            found = due(policy, kind, request.received_at)
            register.update(
                connection,
                request_id,
                type=kind.value,
                basis="a person",
                status=register.Status.NEW.value,
                deadline=found.deadline,
                due_at=found.at,
                stop_by=found.stop_by,
            )
        when = found.deadline.isoformat() + (" (at once: from receipt)" if found.at else "")
        stop = "" if found.stop_by is None else f"; stop by {found.stop_by.isoformat()}"
        out.print(f"request {escape(request_id)}: {kind.value}, due {when}{stop}")

    _run(work)


@requests_app.command("close")
def close_command(
    policy_file: PolicyArg,
    request_id: Annotated[str, typer.Argument(help="the request's id")],
    refuse: Annotated[bool, typer.Option("--refuse", help="closed as refused")] = False,
    note: Annotated[str, typer.Option("--note", help="what was decided, and why")] = "",
) -> None:
    """Close a request by hand: answered outside pdpipe, refused, or not a request at all."""
    from pdpipe.policy import load_policy
    from pdpipe.requests import notices, register
    from pdpipe.requests.intake import keys_for

    def work() -> None:
        policy = load_policy(policy_file)
        if not note.strip():
            raise BadInput("--note: say what was decided (it is kept with the request)")
        status = register.Status.REFUSED if refuse else register.Status.DONE
        with register.connect(policy) as connection:
            request = register.load_one(connection, request_id)
            register.update(
                connection,
                request_id,
                status=status.value,
                note=note.strip(),
                closed_at=register.now(),
            )
        out.print(f"request {escape(request_id)}: {status.value}")
        if refuse:  # the reasoned refusal, with the note as its reason
            kind_ = notices.NoticeKind.REFUSAL
            _print_notices(
                notices.draft(policy, keys_for(policy), request, kind_, reason=note.strip())
            )

    _run(work)
