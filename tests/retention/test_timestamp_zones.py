"""Timestamps a store writes without a zone are read in the zone the policy gives it:
a record kept for a year from 21:30 Moscow time is due three hours before one kept from
21:30 UTC. On SQLite, PostgreSQL and MariaDB: the plan (SQL candidates and pandas), the
run, and the validation's overdue check agree with each other and with the wall clock.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_job
from pdpipe.policy import load_policy
from pdpipe.policy.models import Policy
from pdpipe.retention.decide import AsOf
from pdpipe.retention.plan import build_plan
from tests.cli import run_main
from tests.policy.builders import parse

AS_OF_DAY = dt.date(2026, 11, 25)  # ends 2026-11-25 19:00 UTC (Asia/Almaty, UTC+5)

metadata = sa.MetaData()
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(80), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),  # Moscow wall-clock time
    sa.Column("withdrawn_gmt", sa.DateTime),  # UTC, as applications keep a *_gmt column
)

ROWS = [
    # Kept a year from 21:30 Moscow (18:30 UTC): due at 19:00 UTC; read as UTC, not yet.
    {"id": 1, "created": dt.datetime(2025, 11, 25, 21, 30), "status": "active"},
    # 23:30 Moscow is 20:30 UTC: not due, read either way.
    {"id": 2, "created": dt.datetime(2025, 11, 25, 23, 30), "status": "active"},
    {"id": 3, "created": dt.datetime(2025, 6, 1, 12, 0), "status": "active"},  # long due
    {"id": 4, "created": dt.datetime(2026, 11, 25, 12, 0), "status": "active"},  # kept
    # Withdrawn at 18:30 UTC (its GMT column): due; read in Moscow time it would be 15:30
    # UTC, due too: the pair below tells them apart.
    {"id": 5, "created": dt.datetime(2026, 1, 1), "status": "withdrawn",
     "withdrawn_gmt": dt.datetime(2026, 11, 25, 18, 30)},
    # Withdrawn at 21:30 UTC: after the as-of, not due; read as Moscow time (18:30 UTC),
    # it would be.
    {"id": 6, "created": dt.datetime(2026, 1, 1), "status": "withdrawn",
     "withdrawn_gmt": dt.datetime(2026, 11, 25, 21, 30)},
]  # fmt: skip

POLICY = """
version: 1
operator: {{name: Test Operator, jurisdiction: RU-152FZ, timezone: Asia/Almaty, contact: a@b.c}}
purposes:
  - id: accounts
    title: Accounts
    legal_ground: contract
    processing: [use]
    data: [email]
    keep_for: P1Y
    on_end: destroy
stores:
  - name: store
    url: {url}
{store_zone}
    tables:
      - name: accounts
        key: id
        purpose: accounts
        clock: created
{table_zone}
        ends:
          - {{reason: consent_withdrawn, when: {{status: withdrawn}}, since: withdrawn_gmt}}
        columns:
          email: {{data: email, depersonalize: redact}}
"""


def _store(url: str) -> None:
    engine = sa.create_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            accounts.insert(),
            [{"email": f"a{r['id']}@mail.ru", "withdrawn_gmt": None, **r} for r in ROWS],
        )
    engine.dispose()


def _policy(tmp_path: Path, url: str, store_zone: str = "", table_zone: str = "") -> Policy:
    path = tmp_path / "policy.yaml"
    path.write_text(
        POLICY.format(url=url, store_zone=store_zone, table_zone=table_zone), encoding="utf-8"
    )
    return load_policy(path)


def _due(policy: Policy) -> int:
    as_of = AsOf.end_of_day(AS_OF_DAY, policy.operator.timezone)
    return sum(t.due for t in build_plan(policy, as_of).tables)


def test_when_the_store_writes_moscow_time_then_records_are_due_by_the_wall_clock(
    store_url: str, tmp_path: Path
) -> None:
    _store(store_url)
    moscow = "    timestamps: Europe/Moscow"
    gmt_column = "        timestamps: {withdrawn_gmt: utc}"
    read_as_utc = _policy(tmp_path, store_url)
    # Everything read as UTC: 3 and 5 (and 6, withdrawn at 21:30 read as 21:30 UTC, is not).
    assert _due(read_as_utc) == 2
    # Moscow, but its GMT column in UTC: 1, 3 and 5.
    policy = _policy(tmp_path, store_url, moscow, gmt_column)
    assert _due(policy) == 3
    # The GMT column misread as Moscow time too: 6 (21:30 -> 18:30 UTC) joins them.
    assert _due(_policy(tmp_path, store_url, moscow)) == 4

    policy = _policy(tmp_path, store_url, moscow, gmt_column)
    as_of = AsOf.end_of_day(AS_OF_DAY, policy.operator.timezone)
    result = run_job(policy, RunOptions(as_of=as_of, allow_large=True, max_fraction=1.0))
    assert result.acted == 3 and result.checks_failed == 0  # the overdue check agrees
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        left = {row.id for row in connection.execute(sa.select(accounts.c.id))}
    engine.dispose()
    assert left == {2, 4, 6}
    assert _due(policy) == 0


def test_when_a_zone_is_given_then_each_column_reads_its_own() -> None:
    policy = parse(
        POLICY.format(
            url="sqlite:///store.db",
            store_zone="    timestamps: local",
            table_zone="        timestamps: {withdrawn_gmt: utc}",
        )
    )
    spec = policy.stores[0].tables[0]
    assert policy.timestamp_zone(spec, "created") == "Asia/Almaty"  # local: the operator's
    assert policy.timestamp_zone(spec, "withdrawn_gmt") == "UTC"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "UTC+3", ""])
def test_when_a_zone_is_unknown_then_the_policy_is_refused(zone: str) -> None:
    with pytest.raises(Exception, match="unknown timezone"):
        parse(
            POLICY.format(
                url="sqlite:///s.db", store_zone=f"    timestamps: '{zone}'", table_zone=""
            )
        )


def test_when_a_store_does_not_say_its_zone_then_check_warns_with_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    _store(url)
    policy = _policy(tmp_path, url).file
    code, _, err = run_main(monkeypatch, capsys, "check", str(policy))
    assert code == 0
    assert f"warning: {policy}:20: stores[0].tables[0].clock: column 'accounts.created'" in err
    assert "withdrawn_gmt" in err  # the rule's since column too
    declared = _policy(tmp_path, url, "    timestamps: Europe/Moscow").file
    code, _, err = run_main(monkeypatch, capsys, "check", str(declared))
    assert code == 0 and "stores[0]" not in err
