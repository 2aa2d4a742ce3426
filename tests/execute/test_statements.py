"""No per-row SQL: the statements a run issues grow with its batches, not with its rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # Reading the catalog (reflection) is per table, and how often depends on which
        # of the plan's threads reflects first; it never grows with the rows.
        if "pg_catalog." not in statement:
            statements.append(statement.split(None, 1)[0].upper())

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def test_when_rows_grow_but_batches_do_not_then_statements_stay_the_same(
    pg_factory: Callable[[], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    counts = {}
    for rows in (1000, 4000):
        url = pg_factory()
        populate(url, people_count=rows, leads_count=rows)
        folder = tmp_path / str(rows)
        folder.mkdir()
        policy = load_policy(write_policy(folder, url))
        options = RunOptions(
            as_of=AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty"),
            batch_size=rows // 4,  # four batches per table, whatever the size
            allow_large=True,
        )
        with counted_statements() as statements:
            result = run_policy(policy, options)
        assert result.acted > rows // 4  # hundreds to thousands of records acted on
        writes = [s for s in statements if s in ("INSERT", "UPDATE", "DELETE")]
        counts[rows] = (len(statements), len(writes))
    # Four times the records, the same statements: set-based writes, never one per record.
    assert counts[1000] == counts[4000]
    assert counts[4000][1] <= 5 * 2 * 8  # batches x tables x a few writes each
