"""The sample a scan reads: random rows from the whole of every table, as text, bounded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.discovery.sample import MAX_CHARS, ColumnSample, TableSample, sample_store
from pdpipe.policy.models import StoreSpec

ROWS = 10_000


def _store(url: str) -> StoreSpec:
    return StoreSpec.model_construct(name="crm", url=url, tables=[])


def _fill(url: str) -> None:
    """`contacts` (ROWS rows, in key order), `notes` (3 rows, one long), `blobs`, and one of
    pdpipe's own tables."""
    metadata = sa.MetaData()
    contacts = sa.Table(
        "contacts",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(80)),
        sa.Column("attribs", sa.JSON),
    )
    notes = sa.Table(
        "notes",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("body", sa.Text),
    )
    blobs = sa.Table(
        "blobs",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("photo", sa.LargeBinary),
    )
    own = sa.Table("pdpipe_ledger", metadata, sa.Column("seq", sa.Integer, primary_key=True))
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        metadata.create_all(connection)
        connection.execute(
            contacts.insert(),
            [
                {
                    "id": i,
                    "email": f"person{i}@example.org",
                    "attribs": {"phone": f"+7 912 {i:07d}", "tags": ["a"]} if i % 2 else None,
                }
                for i in range(1, ROWS + 1)
            ],
        )
        connection.execute(
            notes.insert(),
            [
                {"id": 1, "body": "x" * (MAX_CHARS * 3)},
                {"id": 2, "body": "short"},
                {"id": 3, "body": None},
            ],
        )
        connection.execute(blobs.insert(), [{"id": 1, "photo": b"\x00\x01"}])
        connection.execute(own.insert(), [{"seq": 1}])
    engine.dispose()


@pytest.fixture
def sampled(store_url: str) -> dict[str, TableSample]:
    _fill(store_url)
    return {t.table: t for t in sample_store(_store(store_url), rows=300)}


def test_every_table_is_sampled_but_pdpipes_own(sampled: dict[str, TableSample]) -> None:
    assert sorted(sampled) == ["blobs", "contacts", "notes"]
    assert sampled["contacts"].rows == ROWS


def test_the_rows_are_drawn_from_the_whole_table_not_its_first_rows(
    sampled: dict[str, TableSample],
) -> None:
    ids = [int(v) for v in _column(sampled["contacts"], "id").values]
    assert 250 <= len(ids) <= 300 and len(set(ids)) == len(ids)
    assert min(ids) < ROWS * 0.2 and max(ids) > ROWS * 0.8  # spread over the key range
    assert sorted(ids) != list(range(1, len(ids) + 1))


def test_values_are_text_and_long_ones_are_cut(sampled: dict[str, TableSample]) -> None:
    body = _column(sampled["notes"], "body")
    assert body.sampled_rows == 3 and len(body.values) == 2  # a small table whole; NULL out
    assert max(len(v) for v in body.values) == MAX_CHARS
    assert all(v.endswith("@example.org") for v in _column(sampled["contacts"], "email").values)


def test_keys_inside_json_are_columns_of_their_own(sampled: dict[str, TableSample]) -> None:
    phones = _column(sampled["contacts"], "attribs.phone")
    assert phones.values and all(v.startswith("+7 912 ") for v in phones.values)
    assert _column(sampled["contacts"], "attribs.tags[]").values[0] == "a"
    assert all(json.loads(v) for v in _column(sampled["contacts"], "attribs").values)


def test_binary_columns_hold_no_text_and_are_left_out(sampled: dict[str, TableSample]) -> None:
    assert [c.column for c in sampled["blobs"].columns] == ["id"]


def _column(table: TableSample, name: str) -> ColumnSample:
    (found,) = [c for c in table.columns if c.column == name]
    return found


def test_a_json_key_that_is_data_is_never_a_column_name(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/book.db"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE book (id INTEGER PRIMARY KEY, owners JSON)")
        entries = {"canary.owner@mail.ru": {"phone": "+7 912 000 11 22"}, "79120001122": 1}
        connection.execute(
            sa.text("INSERT INTO book VALUES (1, :owners)"), {"owners": json.dumps(entries)}
        )
    engine.dispose()
    (book,) = sample_store(_store(url))
    names = sorted(c.column for c in book.columns)
    assert names == ["id", "owners", "owners.*", "owners.*.phone"]


def test_a_json_flag_reads_as_json_writes_it(tmp_path: Path) -> None:
    """Python's "True" would also be an English surname; JSON's `true` is no one's."""
    url = f"sqlite:///{tmp_path}/prefs.db"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE prefs (id INTEGER PRIMARY KEY, doc JSON)")
        connection.execute(
            sa.text("INSERT INTO prefs VALUES (:i, :doc)"),
            [{"i": i, "doc": json.dumps({"mail": bool(i % 2)})} for i in range(4)],
        )
    engine.dispose()
    (prefs,) = sample_store(_store(url))
    assert sorted(_column(prefs, "doc.mail").values) == ["false", "false", "true", "true"]
