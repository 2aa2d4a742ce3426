"""The ledger hashes each row's canonical text; appending uses a faster builder of the
same text, and writes the rows' other columns before it locks the chain's end. Any
difference would break every chain written since: prove they agree, and that rows with
hostile text read back as written and verify, on every database."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from pdpipe.execute import ledger
from pdpipe.execute.ledger import Entry, _Canonical, _canonical
from pdpipe.stores import tables

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)  # quotes, \, control chars


@given(
    run_id=TEXT,
    store=TEXT,
    seq=st.integers(min_value=1, max_value=2**62),
    entries=st.lists(st.builds(Entry, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT), min_size=1),
    acted_at=st.datetimes(min_value=dt.datetime(2000, 1, 1)),
)
def test_the_fast_canonical_text_is_the_canonical_text(
    run_id: str, store: str, seq: int, entries: list[Entry], acted_at: dt.datetime
) -> None:
    acted_at = acted_at.replace(microsecond=0)
    fast = _Canonical(run_id, store, acted_at)
    for offset, entry in enumerate(entries):
        assert fast(seq + offset, entry) == _canonical(seq + offset, run_id, store, entry, acted_at)


HOSTILE = ["plain", "tab\there", "new\nline", "back\\slash", "cr\rhere", "\\N", "ключ 'q' \"d\""]


def test_appended_rows_read_back_as_written_and_their_chain_verifies(store_url: str) -> None:
    engine = sa.create_engine(store_url)
    acted_at = dt.datetime(2026, 12, 5, 1, 2, 3)
    batches = [
        [
            Entry("t", str(key), "destroy", "retention_elapsed", "149-FZ", "email")
            for key in range(3)
        ],
        [Entry(f"t{v}", v, "depersonalize", "consent_withdrawn", v, v) for v in HOSTILE],
    ]
    with engine.begin() as connection:
        tables.ensure_tables(connection)
    for number, entries in enumerate(batches):
        with engine.begin() as connection:
            assert ledger.append(connection, f"run-{number}", "s", entries, acted_at) == len(
                entries
            )
    with engine.connect() as connection:
        checked = ledger.verify(connection)
        stored = connection.execute(
            sa.select(
                tables.ledger.c.table_name,
                tables.ledger.c.record_key,
                tables.ledger.c.action,
                tables.ledger.c.reason,
                tables.ledger.c.legal_basis,
                tables.ledger.c.categories,
            ).order_by(tables.ledger.c.seq)
        ).all()
        head = ledger.read_head(connection)
    engine.dispose()
    assert checked.ok and checked.rows == 10, checked.problems
    assert [Entry(*row) for row in stored] == [e for entries in batches for e in entries]
    assert head is not None and head == checked.head
