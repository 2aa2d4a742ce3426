"""insert_rows writes exactly the rows it is given, on every dialect's fast path (COPY's
text format written column by column on PostgreSQL, or row by row by psycopg for values
it does not write itself; literals escaped once per repeated value on MariaDB)."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
import sqlalchemy as sa

from pdpipe.execute.bulk import insert_rows

metadata = sa.MetaData()
rows_table = sa.Table(
    "bulk_rows",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("label", sa.String(200)),
    sa.Column("note", sa.Text),
    sa.Column("at", sa.DateTime),
    sa.Column("day", sa.Date),
    sa.Column("flag", sa.Boolean),
    sa.Column("amount", sa.Numeric(12, 2)),
    sa.Column("ratio", sa.Float),
)

AWKWARD = [
    "it's",
    'say "hi"',
    "back\\slash",
    "tab\there",
    "line\nbreak",
    "carriage\rreturn",
    "\\N",  # COPY's NULL, as text
    "Ёжик",
    "",
    "%s %(x)s",
]


@pytest.mark.parametrize("with_float", [False, True], ids=["text", "row-by-row"])
def test_when_values_repeat_or_need_escaping_then_every_row_reads_back_as_written(
    store_url_both_drivers: str, with_float: bool
) -> None:
    store_url = store_url_both_drivers
    engine = sa.create_engine(store_url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    moment = dt.datetime(2026, 11, 26, 7, 30, 15)
    micro = 1 if store_url.startswith("postgresql") else 0  # MariaDB's DATETIME keeps seconds
    rows = [
        {
            "seq": seq,
            # Runs of repeated values, then a change, as a ledger batch has them.
            "label": AWKWARD[(seq // 3) % len(AWKWARD)],
            "note": None if seq % 7 == 0 else f"note {seq} " + "x" * 300,
            "at": moment if seq % 5 else moment + dt.timedelta(days=1, microseconds=micro * seq),
            "day": None if seq % 11 == 0 else moment.date() - dt.timedelta(days=seq % 40),
            "flag": None if seq % 13 == 0 else seq % 2 == 0,
            "amount": decimal.Decimal(seq) / 100 if seq % 17 else None,
            # A float is written by psycopg: the whole batch then goes row by row.
            "ratio": seq / 8 if with_float else None,
        }
        for seq in range(1, 6001)  # about 2 MB: more than one statement
    ]
    with engine.begin() as connection:
        names = list(rows[0])
        insert_rows(connection, rows_table, names, [tuple(r.values()) for r in rows])
    with engine.connect() as connection:
        found = [
            dict(row)
            for row in connection.execute(sa.select(rows_table).order_by("seq")).mappings()
        ]
    engine.dispose()
    assert found == rows
