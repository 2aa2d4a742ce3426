"""An anchored ledger: what `pdpipe ledger verify` finds when someone with write access to
the database edits the ledger, at each level of protection, on all three databases.

    the chain           an edited, missing or reordered row
    the head            rows cut from the end, an emptied ledger, a dropped table
    the runs' counts    rows removed from the middle and the chain recomputed
    the signature       the chain recomputed by someone without secrets.ledger_key
    the anchors         the chain recomputed, the head too: the heads written outside the
                        database (summary.json, index.json) no longer match
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from pdpipe import json_files
from pdpipe.cli import app
from pdpipe.execute import ledger
from pdpipe.execute.ledger_check import verify_ledgers
from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_job
from pdpipe.policy import Policy, load_policy
from pdpipe.report.anchors import read_anchors
from pdpipe.report.formats import SUMMARY, RunSummary
from pdpipe.retention.decide import AsOf
from pdpipe.stores import tables
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy

LEDGER_KEY = "test-ledger-key-9876543210"


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("PDPIPE_TEST_LEDGER_KEY", LEDGER_KEY)


def _problems(policy: Policy, anchors: Path | None = None) -> list[str]:
    found = read_anchors(anchors) if anchors is not None else []
    ((_, verification),) = verify_ledgers(policy, found)
    assert verification is not None
    return verification.problems


def _rows(connection: sa.Connection) -> list[dict[str, Any]]:
    query = sa.select(tables.ledger).order_by(tables.ledger.c.seq)
    return [dict(row) for row in connection.execute(query).mappings()]


def _rechain(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """What an attacker with write access does: renumber and rehash every row from the
    first, write them back, and move the head (without the ledger key's signature)."""
    connection.execute(tables.ledger.delete())
    prev = ledger.GENESIS
    for seq, row in enumerate(rows, start=1):
        entry = ledger.Entry(
            row["table_name"],
            row["record_key"],
            row["action"],
            row["reason"],
            row["legal_basis"],
            row["categories"],
        )
        digest = ledger.row_hash(
            prev, ledger._canonical(seq, row["run_id"], row["store"], entry, row["acted_at"])
        )
        connection.execute(
            tables.ledger.insert().values(
                **{**row, "seq": seq, "prev_hash": prev, "row_hash": digest}
            )
        )
        prev = digest
    connection.execute(
        tables.ledger_head.update().values(seq=len(rows), row_hash=prev, signature=None)
    )


@contextmanager
def tampered(
    url: str, change: Callable[[sa.Connection, list[dict[str, Any]]], object]
) -> Iterator[None]:
    """The store's ledger changed by `change` for the block, then put back as it was."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        rows = _rows(connection)
        head = connection.execute(sa.select(tables.ledger_head)).mappings().one()
        change(connection, rows)
    try:
        yield
    finally:
        with engine.begin() as connection:
            tables.ledger.create(connection, checkfirst=True)
            connection.execute(tables.ledger.delete())
            connection.execute(tables.ledger.insert(), rows)
            connection.execute(tables.ledger_head.update().values(**dict(head)))
        engine.dispose()


def _edit_a_reason(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    rows = [dict(r) for r in rows]
    rows[4]["reason"] = "purpose_achieved"
    _rechain(connection, rows)


def _drop_middle_rows(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    _rechain(connection, rows[:10] + rows[20:])


def test_when_the_ledger_is_tampered_with_then_verify_finds_it_at_each_level(
    store_url: str, tmp_path: Path
) -> None:
    populate(store_url, people_count=80, leads_count=60)
    policy_path = write_policy(tmp_path, store_url)
    signed_path = tmp_path / "signed.yaml"
    signed_path.write_text(
        policy_path.read_text().replace(
            "secrets: {", "secrets: {ledger_key: env:PDPIPE_TEST_LEDGER_KEY, "
        )
    )
    policy, signed = load_policy(policy_path), load_policy(signed_path)
    options = RunOptions(as_of=AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty"), allow_large=True)
    result = run_job(signed, options)  # signs the head, anchors it in summary.json
    runs = tmp_path / "runs"
    summary = json_files.read(Path(result.folder or "") / SUMMARY, RunSummary)
    ((store, head),) = summary.ledger_heads.items()
    assert store == "store" and head.seq == len(_rows_of(store_url)) and head.signature
    assert _problems(policy) == [] and _problems(signed, runs) == []
    last = head.seq

    cut_last = lambda c, rows: c.execute(tables.ledger.delete().where(tables.ledger.c.seq == last))  # noqa: E731
    with tampered(store_url, cut_last):
        assert _problems(policy) == [
            f"row {last} cut from the end: the head says the ledger ends at row {last}"
        ]
    cut_tail = lambda c, rows: c.execute(tables.ledger.delete().where(tables.ledger.c.seq > 20))  # noqa: E731
    miscounted = f"run {result.run_id} recorded {result.acted} action(s); the ledger holds"
    with tampered(store_url, cut_tail):
        head_problem, count_problem = _problems(policy)
        assert head_problem == (
            f"rows 21–{last} cut from the end: the head says the ledger ends at row {last}"
        )
        assert count_problem.startswith(miscounted)
    with tampered(store_url, lambda c, rows: c.execute(tables.ledger.delete())):
        assert _problems(policy) == [
            f"rows 1–{last} cut from the end: the head says the ledger ends at row {last} "
            "(the ledger is empty)",
            f"{miscounted} 0",
        ]
    with tampered(store_url, lambda c, rows: tables.ledger.drop(c)):
        assert _problems(policy) == [
            f"the ledger table is missing, yet its head says {last:,} row(s) were written"
        ]

    # Rows removed from the middle, the chain recomputed and the head moved: the run's own
    # count of what it did no longer matches.
    with tampered(store_url, _drop_middle_rows):
        assert _problems(policy) == [f"{miscounted} {result.acted - 10}"]

    # A row edited and every later hash recomputed: chain, head and counts agree again.
    # Only the signature (without the key) and the anchors outside the database tell.
    with tampered(store_url, _edit_a_reason):
        assert _problems(policy) == []  # the database alone cannot tell
        assert _problems(signed) == ["the head is not signed, though secrets.ledger_key is set"]
        anchored = _problems(policy, runs)
        assert anchored and all("has another hash than when it was anchored" in p for p in anchored)

    # Keeping the head's old signature does not help either.
    def keep_signature(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
        (signature,) = connection.execute(sa.select(tables.ledger_head.c.signature)).one()
        _edit_a_reason(connection, rows)
        connection.execute(tables.ledger_head.update().values(signature=signature))

    with tampered(store_url, keep_signature):
        (mismatch,) = _problems(signed)
        assert mismatch.startswith("the head's signature does not match")

    cli = CliRunner().invoke(app, ["ledger", "verify", str(signed_path), "--anchors", str(runs)])
    assert cli.exit_code == 0, cli.output
    assert "chain intact, head matches" in cli.output and "anchor(s) checked" in cli.output


def _rows_of(url: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return _rows(connection)
    finally:
        engine.dispose()
