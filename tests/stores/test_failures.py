"""The kind of a database failure comes from the codes the driver carries."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pdpipe.stores.failures import Failure, codes_of, failure_of


def test_sqlite_busy_is_contention_by_its_result_code(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (k INTEGER)")
    holder.execute("BEGIN IMMEDIATE")  # holds the write lock
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as caught:
        other.execute("BEGIN IMMEDIATE")
    holder.rollback()
    assert codes_of(caught.value).sqlite == "SQLITE_BUSY"
    assert failure_of(caught.value, disconnect=False, connecting=False) is Failure.CONTENTION


def test_an_sqlite_file_that_cannot_be_opened_is_unreachable(tmp_path: Path) -> None:
    with pytest.raises(sqlite3.OperationalError) as caught:
        sqlite3.connect(tmp_path / "no" / "such" / "folder.db")
    assert failure_of(caught.value, disconnect=False, connecting=True) is Failure.UNREACHABLE


def test_a_failure_with_no_code_while_connecting_is_unreachable() -> None:
    refused = OSError("connection refused")
    assert failure_of(refused, disconnect=False, connecting=True) is Failure.UNREACHABLE
    assert failure_of(refused, disconnect=False, connecting=False) is Failure.OTHER
