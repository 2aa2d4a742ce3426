"""What every command of the CLI shares: the consoles, common arguments, error reporting."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, ProgressColumn

from pdpipe.errors import BadInput, PdpipeError

# A pipe or a CI log would get rich's 80 columns, too narrow for the plan's dates.
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True)


@dataclass
class Face:
    """How talkative this invocation is: set once by the global options."""

    quiet: bool = False


face = Face()


def info(message: str, **options: Any) -> None:
    """An informational line on stdout (a hint, a path, a timing): silent under --quiet.
    A command's result is printed with `out` and stays."""
    if not face.quiet:
        out.print(message, **options)


def progress_bar(*columns: str | ProgressColumn, wanted: bool = True) -> Progress:
    """A transient progress display on stderr, shown only to a person: silent under
    --quiet and when stderr is not a terminal (a pipe, a CI log, a cron mail), where
    rich would otherwise leave its last frame."""
    shown = wanted and not face.quiet and err.is_terminal and not err.is_dumb_terminal
    return Progress(*columns, console=err, transient=True, disable=not shown)


PolicyArg = Annotated[Path, typer.Argument(help="policy.yaml", show_default=False)]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="decide as of this instant: YYYY-MM-DD (the start of that day in the operator's "
        "timezone) or an ISO date-time (2026-11-25T02:00+05:00; without an offset, the "
        "operator's time)",
    ),
]
DayOption = Annotated[
    str | None,
    typer.Option("--as-of", help="as of this day (YYYY-MM-DD, operator's timezone)"),
]

T = TypeVar("T")


@contextmanager
def reported() -> Iterator[None]:
    """Map pdpipe's errors to a message and an exit code; hide tracebacks of the rest."""
    try:
        yield
    except PdpipeError:
        raise
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:
        if os.environ.get("PDPIPE_DEBUG"):
            raise
        # A third-party message may quote data; name only its type.
        err.print(
            f"[red]internal error:[/red] {type(exc).__name__} "
            "(set PDPIPE_DEBUG=1 to see the traceback)",
            highlight=False,
        )
        raise typer.Exit(1) from None


def run_reported(action: Callable[[], T]) -> T:
    with reported():
        return action()


def parse_as_of(text: str, option: str = "--as-of") -> dt.date | dt.datetime:
    """A date (YYYY-MM-DD: the start of that day in the operator's zone) or an ISO date-time
    (2026-11-25T02:00+05:00, 2026-11-24T21:00Z; without an offset, the operator's time)."""
    if "T" not in text and " " not in text.strip():
        return parse_day(text, option)
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(
            f"{option}: expected a date YYYY-MM-DD or a date-time such as "
            f"2026-11-25T02:00+05:00, got {text!r}"
        ) from None


def parse_day(text: str, option: str) -> dt.date:
    """A YYYY-MM-DD argument, or BadInput naming the option."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{option}: expected a date YYYY-MM-DD, got {text!r}") from None
