"""Great Expectations, imported early on a thread of its own.

Importing it takes seconds (5.8 s on a 2-core machine: scipy, altair and its catalogue of
expectations), a fifth of the validation of a million-subscriber run, and it does not
depend on anything the run does. A run that will be validated starts the import as it
takes its snapshot, which waits on the database, and the checks find it done or wait for
it (Python's import lock). Without `start`, the checks import it themselves.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading

_lock = threading.Lock()
_importing: threading.Thread | None = None


def quiet() -> None:
    """No analytics and no progress chatter from GX in pdpipe's runs: set before import."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


def start() -> None:
    """Begin importing GX in the background, once per process."""
    global _importing
    with _lock:
        if _importing is not None or "great_expectations" in sys.modules:
            return
        quiet()
        _importing = threading.Thread(target=_import, name="pdpipe-import-gx", daemon=True)
        _importing.start()


def _import() -> None:
    with contextlib.suppress(Exception):  # the checks import it again and say what failed
        import great_expectations  # noqa: F401
