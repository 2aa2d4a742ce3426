"""Great Expectations, imported on a thread of its own while the run works.

Importing GX takes 3.3 s on the benchmark's machine (scipy, through its catalogue of
expectations, and altair), half of what validating a million-subscriber run cost, and it
depends on nothing the run does. The job (job.py), and the benchmark as the job does,
calls `start` once the plan is made: the snapshot and the partitions then mostly wait on
their databases, and the import uses the interpreter meanwhile. `wait` follows the
partitions, before anything else of the job runs; the checks call it too, and import GX
themselves after it, so an import that failed on the thread fails again there, with its
error, where it always did.

Two threads importing the same package at once can see one of its modules half
initialized: Python breaks the deadlock of a circular import between threads by handing
one of them the unfinished module (a first try at this, d3cfd49, met it with
SQLAlchemy's ORM). So the thread starts only after the plan, which imports what the run
needs (the run itself imports nothing new: measured on PostgreSQL, 0 modules between the
plan and the end of the partitions); SQLAlchemy's ORM, which GX needs, pdpipe never
loads and other code in the process may load at any moment (Prefect's server does), is
imported first, in the caller's thread; and `wait` comes before the job's later steps
import anything.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger("pdpipe.validation")

_lock = threading.Lock()
_thread: threading.Thread | None = None


def quiet() -> None:
    """No analytics and no progress chatter from GX in pdpipe's runs: set before import."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


def start() -> None:
    """Begin importing GX on a daemon thread, once per process."""
    global _thread
    with _lock:
        if _thread is not None or sys.modules.get("great_expectations") is not None:
            return
        quiet()
        import sqlalchemy.orm  # noqa: F401  (see the module's docstring)

        _thread = threading.Thread(target=_load, name="pdpipe-import-gx", daemon=True)
        _thread.start()


def wait() -> None:
    """Until the import `start` began is over (at once when none was begun)."""
    thread = _thread
    if thread is not None:
        thread.join()


def _load() -> None:
    try:
        import great_expectations  # noqa: F401

        from pdpipe.validation import no_rows  # noqa: F401  (GX's expectations, subclassed)
    except Exception as exc:  # the checks import it again and fail with this error there
        log.debug("importing Great Expectations in the background failed: %s", type(exc).__name__)
