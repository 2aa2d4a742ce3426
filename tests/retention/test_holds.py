"""Legal holds: records whose purpose ended, kept because another ground requires them (a
dispute, a statutory duty; 152-FZ art. 21 p.4-5). While a hold lasts its records are never
acted on, the plan says how many it keeps, and validation does not call them overdue;
from the day it ends, the run acts on them. On every database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_job
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.retention.plan import build_plan
from tests.cli import run_main

POLICY = """
version: 1
operator: {{name: Test Operator, jurisdiction: RU-152FZ, timezone: Asia/Almaty, contact: a@b.c}}
purposes:
  - {{id: support, title: Support, legal_ground: contract, processing: [use],
     data: [email], keep_for: P1Y, on_end: destroy}}
stores:
  - name: crm
    url: {url}
    tables:
      - name: customers
        key: id
        purpose: support
        clock: updated_at
        columns:
          email: {{data: email}}
        holds:
          - ground: "a dispute over unpaid invoices (claim 17/2026)"
            when: {{disputed: true}}
            until: 2027-06-30
"""
CUSTOMERS, DUE, DISPUTED = 20, 10, (2, 4, 6)  # customers 1-10 are due; three disputed
BEFORE_THE_END = dt.date(2026, 11, 25)
AFTER_THE_END = dt.date(2027, 6, 30)  # the hold ends at the start of this day


def _store(url: str) -> None:
    metadata = sa.MetaData()
    customers = sa.Table(
        "customers",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(80)),
        sa.Column("disputed", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    old, recent = dt.datetime(2024, 3, 1, 12), dt.datetime(2026, 10, 1, 12)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        metadata.create_all(connection)
        connection.execute(
            customers.insert(),
            [
                {
                    "id": i,
                    "email": f"c{i}@example.org",
                    "disputed": i in DISPUTED,
                    "updated_at": old if i <= DUE else recent,
                }
                for i in range(1, CUSTOMERS + 1)
            ],
        )
    engine.dispose()


def _left(url: str) -> list[int]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        keys = [
            int(k)
            for k in connection.execute(sa.text("SELECT id FROM customers ORDER BY id")).scalars()
        ]
    engine.dispose()
    return keys


@pytest.fixture
def policy_path(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("PDPIPE_OUTPUT_DIR", raising=False)
    _store(store_url)
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY.format(url=store_url), encoding="utf-8")
    return path


def test_held_records_are_kept_until_the_hold_ends_then_destroyed(
    policy_path: Path, store_url: str
) -> None:
    policy = load_policy(policy_path)
    zone = policy.operator.timezone

    plan = build_plan(policy, AsOf.start_of_day(BEFORE_THE_END, zone))
    during = run_job(
        policy, RunOptions(as_of=AsOf.start_of_day(BEFORE_THE_END, zone), allow_large=True)
    )
    left_during = _left(store_url)
    after = run_job(
        policy, RunOptions(as_of=AsOf.start_of_day(AFTER_THE_END, zone), allow_large=True)
    )

    (table,) = plan.to_model().tables
    assert table.due == DUE - len(DISPUTED)
    assert [(h.ground, h.until, h.records) for h in table.held] == [
        ("a dispute over unpaid invoices (claim 17/2026)", dt.date(2027, 6, 30), len(DISPUTED))
    ]
    assert during.acted == DUE - len(DISPUTED) and during.checks_failed == 0
    assert left_during == [*DISPUTED, *range(DUE + 1, CUSTOMERS + 1)]
    assert after.acted == len(DISPUTED) and after.checks_failed == 0
    assert _left(store_url) == list(range(DUE + 1, CUSTOMERS + 1))


def test_plan_json_lists_each_hold_with_its_ground_end_and_records(
    policy_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, _ = run_main(
        monkeypatch, capsys, "plan", str(policy_path), "--json", "--as-of", "2026-11-25"
    )

    assert code == 0
    (table,) = json.loads(stdout)["tables"]
    assert table["held"] == [
        {
            "ground": "a dispute over unpaid invoices (claim 17/2026)",
            "until": "2027-06-30",
            "records": len(DISPUTED),
        }
    ]


def test_check_refuses_a_hold_on_a_column_the_table_lacks(
    policy_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = policy_path.read_text(encoding="utf-8").replace("{disputed: true}", "{in_dispute: true}")
    policy_path.write_text(text, encoding="utf-8")

    code, _, stderr = run_main(monkeypatch, capsys, "check", str(policy_path))

    assert code == 2 and "in_dispute" in stderr and "holds" in stderr
