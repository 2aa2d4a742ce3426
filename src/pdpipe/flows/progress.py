"""The CLI's progress bar, reachable from tasks running in the CLI's own process.

Not a flow parameter (parameters must be serializable), and kept in a module of its own
so tasks refer to it through the module: Dask pickles a task function by value, and a
module travels by reference where a ContextVar could not travel at all.
"""

from __future__ import annotations

from contextvars import ContextVar

from pdpipe.execute.runner import Progress

hook: ContextVar[Progress | None] = ContextVar("pdpipe_progress_hook", default=None)
