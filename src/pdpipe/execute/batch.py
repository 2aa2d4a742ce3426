"""Which batch a store connection is working on, and how a run is asked to stop.

A batch is one transaction: its decision, its changes, its ledger rows and its checkpoint.
`Batch` names it in an error (`store 'crm': connection lost during batch 17 of
crm.contacts; the batch was rolled back; run again to resume`); it also sits in the
connection's `info` while the batch is open, so that tests can break a run at an exact
moment inside a batch (tests/execute/faults.py).

`stopping()` turns SIGTERM (and SIGINT) into a request that every partition honours at
its next batch boundary: the batch under way commits, the run is marked `interrupted`,
and the next run resumes it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING

from pdpipe.errors import RunFailed, StoreError, is_transient
from pdpipe.policy.models import StoreSpec

if TYPE_CHECKING:
    from pdpipe.execute.runner import Partition

BATCH = "pdpipe.batch"  # key of the open Batch in a connection's info


@dataclass(frozen=True)
class Batch:
    store: StoreSpec
    partition: Partition
    number: int  # counted from 1 within the partition, across resumptions

    @property
    def label(self) -> str:
        part = f" (partition {self.partition.index})" if self.partition.index else ""
        return f"batch {self.number} of {self.store.name}.{self.partition.table}{part}"

    def failed(self, error: BaseException) -> BaseException:
        """The store's error (which says where it struck: stores/engine.DOING), and that
        nothing of the batch stayed (and, when the store was only away or busy, that the
        next run resumes)."""
        if not isinstance(error, StoreError):
            return error  # DatabaseMissing: bad input, said as it is
        then = "the batch was rolled back" + ("; run again to resume" if error.transient else "")
        said = type(error)(f"{error}; {then}")
        said.statement = error.statement
        return said


class Interrupted(RunFailed):
    """The run was asked to stop (SIGTERM, SIGINT) and stopped between two batches."""


def resumable(error: BaseException) -> bool:
    """Whether a partition that failed so leaves a run the next run should resume: it was
    stopped, its store was away or busy, or its lock was lost; nothing in its own work."""
    from pdpipe.execute.lock import LockLost

    return isinstance(error, Interrupted | LockLost) or is_transient(error)


_stop = threading.Event()
_signal_name: list[str] = []


def request_stop(reason: str) -> None:
    """Ask every partition of the run in this process to stop at its next batch boundary."""
    _signal_name[:] = [reason]
    _stop.set()


def stop_requested(partition: Partition) -> None:
    """Raise Interrupted when the run was asked to stop; called between batches."""
    if _stop.is_set():
        reason = _signal_name[0] if _signal_name else "a stop request"
        raise Interrupted(
            f"stopped on {reason} between two batches of {partition.store}.{partition.table}: "
            "every committed batch is in the ledger; run again to resume"
        )


@contextmanager
def stopping() -> Iterator[None]:
    """SIGTERM and SIGINT, while the block runs, ask the run to stop at a batch boundary
    instead of ending the process mid-batch (a second signal ends it at once). Only the
    main thread can set handlers: elsewhere the block runs unchanged."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _stop.clear()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def handle(number: int, _frame: FrameType | None) -> None:
        if _stop.is_set():  # asked twice: stop now
            signal.signal(number, previous[signal.Signals(number)] or signal.SIG_DFL)
            signal.raise_signal(number)
            return
        request_stop(signal.Signals(number).name)

    for sig in previous:
        signal.signal(sig, handle)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        _stop.clear()
