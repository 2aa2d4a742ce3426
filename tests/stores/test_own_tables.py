"""pdpipe's own tables in a store made by an earlier release are brought up to date."""

from __future__ import annotations

import sqlalchemy as sa

from pdpipe.stores import tables


def _ledger_indexes(engine: sa.Engine) -> dict[str, list[str]]:
    return {
        str(index["name"]): [str(c) for c in index["column_names"]]
        for index in sa.inspect(engine).get_indexes(tables.ledger.name)
    }


def test_the_ledger_index_by_run_alone_gives_way_to_one_by_run_table_and_action(
    store_url: str,
) -> None:
    engine = sa.create_engine(store_url)
    try:
        with engine.begin() as connection:
            tables.ensure_tables(connection)
        # As an earlier release left it: the run's rows found by their run id alone.
        with engine.begin() as connection:
            next(i for i in tables.ledger.indexes if i.name == "ix_pdpipe_ledger_run_action").drop(
                connection
            )
            earlier = sa.Table(tables.ledger.name, sa.MetaData(), sa.Column("run_id", sa.Text))
            sa.Index("ix_pdpipe_ledger_run", earlier.c.run_id).create(connection)
        assert "ix_pdpipe_ledger_run" in _ledger_indexes(engine)

        with engine.begin() as connection:
            tables.ensure_tables(connection)
            tables.ensure_tables(connection)  # idempotent
        found = _ledger_indexes(engine)
        assert "ix_pdpipe_ledger_run" not in found
        assert found["ix_pdpipe_ledger_run_action"] == [
            "run_id",
            "table_name",
            "action",
            "record_key",
        ]
    finally:
        engine.dispose()
