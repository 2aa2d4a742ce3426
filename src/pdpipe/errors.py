"""The one error tree of pdpipe.

    PdpipeError                  root; the CLI maps it to one line and an exit code
    ├── BadInput                 exit 2: the user must fix something before anything runs
    │   ├── PolicyError          a policy file with one or more problems, each with its path
    │   ├── FormatError          a file pdpipe wrote and reads back (summary.json, index.json)
    │   │                        that is not what it expects: not JSON, another version, …
    │   └── StoreUnreachable     a store still down after the retries, before any write
    │       └── DatabaseMissing  the server answers, but the store's database is not there
    └── RunFailed                exit 1: the work ran and something failed
        ├── ValidationFailed     the run's result failed its checks (validation/)
        └── StoreError           a store could not be reached or answered with an error
            ├── StoreUnavailable transient: connection refused/reset; worth retrying
            └── StoreContention  transient: deadlock or lock timeout; worth retrying

Messages never carry personal data: they name stores, tables, columns and paths, and
count rows; they never quote a value read from a store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel


class PdpipeError(Exception):
    """Root of every error pdpipe raises on purpose."""

    exit_code = 1


class BadInput(PdpipeError):
    """Input the user must fix: nothing was written."""

    exit_code = 2


class FormatError(BadInput):
    """A file pdpipe wrote and reads back (json_files.read) is not what it expects."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem  # without the path: for a page that names the file itself


class StoreUnreachable(BadInput):
    """A store could not be reached, retries included, before anything was written: the
    user must bring it up or fix its URL; nothing changed."""


class DatabaseMissing(StoreUnreachable):
    """The server answered that the store's database does not exist: the URL names the
    wrong one, or it was never created. No retry helps, whichever command met it."""


class RunFailed(PdpipeError):
    """The job ran and failed."""

    exit_code = 1
    # What the run did before it failed, when it got that far: its summary.json (counts,
    # failed partitions and checks), for `pdpipe run --json` to print all the same.
    summary: BaseModel | None = None  # a report.formats.RunSummary (errors import no layer)
    result: Any = None  # the RunResult itself, for a caller that publishes it


class StoreError(RunFailed):
    """A store refused or failed a statement."""

    transient = False
    statement: str | None = None  # its SQL, without values: shown with PDPIPE_DEBUG=1


class StoreUnavailable(StoreError):
    """A store could not be reached; retrying later may help."""

    transient = True


class StoreContention(StoreError):
    """A deadlock or lock timeout; the statement can succeed when tried again."""

    transient = True


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: a store that was briefly away or busy. Never bad input."""
    return bool(getattr(exc, "transient", False))


class ValidationFailed(RunFailed):
    """A check of the run's result failed: the run is not done."""
