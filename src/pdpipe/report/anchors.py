"""The ledger heads a run folder keeps outside the database, for `pdpipe ledger verify
--anchors`: each summary.json and documents' index.json under it, read through its
model (report/formats.py).

A file there that is not what pdpipe wrote (not JSON, another version, wrong types, too
large) stops the check with a FormatError naming it: an anchor that cannot be read
proves nothing, and passing over it in silence would hide a tampered one.
"""

from __future__ import annotations

from pathlib import Path

from pdpipe import json_files
from pdpipe.errors import BadInput
from pdpipe.execute.ledger_check import Anchor
from pdpipe.report.formats import INDEX, SUMMARY, DocumentsIndex, LedgerHead, RunSummary


def read_anchors(folder: Path) -> list[Anchor]:
    """Every ledger head recorded in the summary.json and index.json files under `folder`."""
    if not folder.is_dir():
        raise BadInput(f"{folder}: not a folder of run outputs (expected e.g. runs/)")
    found: list[Anchor] = []
    for path in sorted([*folder.rglob(SUMMARY), *folder.rglob(INDEX)]):
        if path.name == SUMMARY:
            heads = json_files.read(path, RunSummary).ledger_heads
        else:
            heads = json_files.read(path, DocumentsIndex).ledger_heads
        found += _anchors(path, heads)
    return found


def _anchors(path: Path, heads: dict[str, LedgerHead]) -> list[Anchor]:
    # Row 0 is the empty ledger's head: nothing to find in the chain.
    return [Anchor(path, store, h.seq, h.row_hash) for store, h in heads.items() if h.seq > 0]
