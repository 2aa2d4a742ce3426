"""The event-log extract (Order 179): one line per record destroyed or depersonalized,
as CSV and as JSON, written as the ledger streams it in (bounded memory at any size)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pdpipe.report.documents.gather import Record

COLUMNS = (
    "ledger_seq",
    "acted_at_utc",
    "run_id",
    "information_system",
    "table",
    "record_key",
    "action",
    "reason",
    "legal_basis",
    "categories",
    "ledger_row_hash",
)
FORMAT = "pdpipe.event-log-extract/1"


def _fields(record: Record) -> list[Any]:
    return [
        record.seq,
        record.acted_at.isoformat(timespec="seconds") + "Z",
        record.run_id,
        record.store,
        record.table,
        record.record_key,
        record.action,
        record.reason,
        record.legal_basis,
        record.categories,
        record.row_hash,
    ]


def write(records: Iterable[Record], csv_path: Path, json_path: Path) -> int:
    """Both files in one pass over the ledger; returns the number of records."""
    count = 0
    with (
        csv_path.open("w", encoding="utf-8", newline="") as csv_file,
        json_path.open("w", encoding="utf-8") as json_file,
    ):
        writer = csv.writer(csv_file)
        writer.writerow(COLUMNS)
        json_file.write(f'{{"format": "{FORMAT}", "columns": {json.dumps(COLUMNS)}, "records": [')
        for record in records:
            fields = _fields(record)
            writer.writerow(fields)
            json_file.write(
                ("\n" if count == 0 else ",\n") + json.dumps(fields, ensure_ascii=False)
            )
            count += 1
        json_file.write(f'\n], "count": {count}}}\n')
    return count
