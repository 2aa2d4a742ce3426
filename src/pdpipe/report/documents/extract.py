"""The event-log extract (Order 179): one line per record destroyed or depersonalized,
as CSV and as JSON, written as the ledger streams it in (bounded memory at any size).

Version 2 (`pdpipe.event-log-extract/2`) names the information system as the act does
(`information_system`, with the store it is part of in `store`), dates each line in the
operator's local time with its UTC offset (`acted_at`), and gives the ground for
destroying beside the ledger's reason code (`ground`, in the issue's language).
Version 1 had `acted_at_utc` (UTC, `Z`) and the store's name as `information_system`;
`read` reads both.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pdpipe.errors import FormatError
from pdpipe.report.documents.gather import Record

COLUMNS = (
    "ledger_seq",
    "acted_at",
    "run_id",
    "information_system",
    "store",
    "table",
    "record_key",
    "action",
    "reason",
    "ground",
    "legal_basis",
    "categories",
    "ledger_row_hash",
)
FORMAT = "pdpipe.event-log-extract/2"
FORMAT_1 = "pdpipe.event-log-extract/1"
COLUMNS_1 = (
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


def local_time(instant: dt.datetime, zone: ZoneInfo) -> str:
    """A ledger instant (naive UTC) as the operator reads it: `2026-11-26 02:00:00 +05:00`."""
    local = instant.replace(tzinfo=dt.UTC).astimezone(zone)
    offset = local.utcoffset() or dt.timedelta()
    sign = "-" if offset < dt.timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{local:%Y-%m-%d %H:%M:%S} {sign}{minutes // 60:02d}:{minutes % 60:02d}"


def write(
    records: Iterable[Record],
    csv_path: Path,
    json_path: Path,
    *,
    system: str,
    zone: ZoneInfo,
    ground: Callable[[Record], str],
) -> int:
    """Both files in one pass over the ledger; returns the number of records. `system` is
    the information system's name, `ground` a record's ground for destroying in words."""
    count = 0
    with (
        csv_path.open("w", encoding="utf-8", newline="") as csv_file,
        json_path.open("w", encoding="utf-8") as json_file,
    ):
        writer = csv.writer(csv_file)
        writer.writerow(COLUMNS)
        json_file.write(f'{{"format": "{FORMAT}", "columns": {json.dumps(COLUMNS)}, "records": [')
        for record in records:
            fields: list[Any] = [
                record.seq,
                local_time(record.acted_at, zone),
                record.run_id,
                system,
                record.store,
                record.table,
                record.record_key,
                record.action,
                record.reason,
                ground(record),
                record.legal_basis,
                record.categories,
                record.row_hash,
            ]
            writer.writerow(fields)
            json_file.write(
                ("\n" if count == 0 else ",\n") + json.dumps(fields, ensure_ascii=False)
            )
            count += 1
        json_file.write(f'\n], "count": {count}}}\n')
    return count


def read(path: Path) -> list[dict[str, Any]]:
    """An extract's JSON file, either version, as one mapping per line with the columns of
    its own version (a version 1 file keeps `acted_at_utc`). For checking a file by hand or
    in a test: it is read whole."""
    wrong = f"not an event-log extract pdpipe wrote (expected {FORMAT} or {FORMAT_1})"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        expected = {FORMAT: COLUMNS, FORMAT_1: COLUMNS_1}.get(data["format"])
        if expected is None or tuple(data["columns"]) != expected:
            raise FormatError(path, wrong)
        return [dict(zip(expected, row, strict=True)) for row in data["records"]]
    except (ValueError, KeyError, TypeError):  # the file's values are not quoted back
        raise FormatError(path, wrong) from None
