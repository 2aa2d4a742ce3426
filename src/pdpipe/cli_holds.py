"""`pdpipe hold …`: keep single records from being acted on while another ground requires
them (execute/holds.py does the work; each placing and release is ledgered).

Nothing here prints a value of a record: the key the user typed, names, grounds, dates.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from pdpipe.cli_common import PolicyArg, out, parse_day
from pdpipe.cli_common import run_reported as _run

hold_app = typer.Typer(
    help="Holds on single records: never destroyed or depersonalized while held.",
    no_args_is_help=True,
)

TableArg = Annotated[str, typer.Argument(help="STORE.TABLE", show_default=False)]
KeyArg = Annotated[str, typer.Argument(help="the record's key", show_default=False)]


@hold_app.command("add")
def add_command(
    policy_file: PolicyArg,
    table: TableArg,
    key: KeyArg,
    ground: Annotated[
        str,
        typer.Option(
            "--ground", help="why the record is kept (a dispute, a claim, a statutory duty)"
        ),
    ],
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help="the hold ends at the start of this day (YYYY-MM-DD, operator's timezone); "
            "without it, it lasts until released",
        ),
    ] = None,
) -> None:
    """Hold one record: runs and subjects' demands to destroy leave it as it is. Exit 2
    for a key the table lacks or a record already held."""
    from pdpipe.execute.holds import place
    from pdpipe.policy import load_policy

    def work() -> None:
        end = None if until is None else parse_day(until, "--until")
        hold = place(load_policy(policy_file), table, key, ground, end)
        out.print(
            f"held {escape(table)} {escape(key)}"
            + ("" if hold.until is None else f" until {hold.until.isoformat()}")
            + f" (ledger operation {hold.placed_by})",
            soft_wrap=True,
            highlight=False,
        )

    _run(work)


@hold_app.command("release")
def release_command(
    policy_file: PolicyArg,
    table: TableArg,
    key: KeyArg,
    note: Annotated[
        str | None, typer.Option("--note", help="why the hold ends (the dispute settled)")
    ] = None,
) -> None:
    """Release the hold in force on one record: the next run acts on it if it is due.
    Exit 2 when the record is not held."""
    from pdpipe.execute.holds import release
    from pdpipe.policy import load_policy

    def work() -> None:
        hold = release(load_policy(policy_file), table, key, note)
        out.print(
            f"released {escape(table)} {escape(key)} (ledger operation {hold.released_by})",
            soft_wrap=True,
            highlight=False,
        )

    _run(work)


@hold_app.command("list")
def list_command(
    policy_file: PolicyArg,
    table: Annotated[
        str | None, typer.Argument(help="STORE.TABLE (default: every table)", show_default=False)
    ] = None,
    everything: Annotated[bool, typer.Option("--all", help="released and ended holds too")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """The record holds in force, with ground, end and who placed them."""
    from pdpipe.execute.holds import list_holds
    from pdpipe.policy import load_policy

    def work() -> None:
        policy = load_policy(policy_file)
        found = list_holds(policy, table, include_released=everything)
        if as_json:
            document = {"format": "pdpipe.holds/1", "holds": [h.as_json() for h in found]}
            sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
            return
        listing = Table(box=box.SIMPLE_HEAD, header_style="bold")
        for name in ("store.table", "key", "ground", "until", "placed", "released"):
            listing.add_column(name, overflow="fold")
        for hold in found:
            listing.add_row(
                f"{hold.store}.{hold.table}",
                escape(hold.record_key),
                escape(hold.ground),
                "-" if hold.until is None else hold.until.isoformat(),
                f"{hold.placed_at:%Y-%m-%d %H:%M} UTC",
                "-" if hold.released_at is None else f"{hold.released_at:%Y-%m-%d %H:%M} UTC",
            )
        out.print(listing)
        out.print(f"{len(found)} hold(s)" + (" (released ones included)" if everything else ""))

    _run(work)
