"""insert_rows writes exactly the rows it is given, on every dialect's fast path (COPY on
PostgreSQL, literals escaped once per repeated value on MariaDB)."""

from __future__ import annotations

import datetime as dt

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
)

AWKWARD = ["it's", 'say "hi"', "back\\slash", "tab\there", "line\nbreak", "Ёжик", "", "%s %(x)s"]


def test_when_values_repeat_or_need_escaping_then_every_row_reads_back_as_written(
    store_url_both_drivers: str,
) -> None:
    store_url = store_url_both_drivers
    engine = sa.create_engine(store_url)
    metadata.create_all(engine)
    moment = dt.datetime(2026, 11, 26, 7, 30, 15)
    rows = [
        {
            "seq": seq,
            # Runs of repeated values, then a change, as a ledger batch has them.
            "label": AWKWARD[(seq // 3) % len(AWKWARD)],
            "note": None if seq % 7 == 0 else f"note {seq} " + "x" * 300,
            "at": moment if seq % 5 else moment + dt.timedelta(days=1),
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
