"""How much slower is `pdpipe run` than hand-written SQL doing the same destruction?

Builds the demo mailing store twice (SQLite by default, or --url-a/--url-b for servers),
then, on `subscribers` and its children:
  baseline  four hand-written statements in one transaction: delete the due records'
            list memberships, set their views and clicks to NULL, delete the records
  pdpipe    run_policy() without Prefect: lock, check, plan, batches with temporary
            tables, the hash-chained ledger, the state and checkpoint tables
and prints both times, the ratio, and whether the two stores ended identical.

    .venv/bin/python bench/run_vs_sql.py --subjects 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from pdpipe.demo import build_demo
from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import Policy, load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.stores.drivers import plain_engine

AS_OF_DAY = dt.date(2026, 11, 25)

DUE = """SELECT s.id FROM subscribers s WHERE s.updated_at <= :cut AND (
  s.status = 'blocklisted'
  OR NOT EXISTS (SELECT 1 FROM subscriber_lists l
                 WHERE l.subscriber_id = s.id AND l.status <> 'unsubscribed')
  OR s.updated_at <= :retention_cut)"""
BASELINE = [
    f"CREATE TEMP TABLE due AS {DUE}",
    "DELETE FROM subscriber_lists WHERE subscriber_id IN (SELECT id FROM due)",
    "UPDATE campaign_views SET subscriber_id = NULL WHERE subscriber_id IN (SELECT id FROM due)",
    "UPDATE link_clicks SET subscriber_id = NULL WHERE subscriber_id IN (SELECT id FROM due)",
    "DELETE FROM subscribers WHERE id IN (SELECT id FROM due)",
]


def mailing_only(policy: Policy) -> Policy:
    store = next(s for s in policy.stores if s.name == "mailing")
    return policy.model_copy(update={"stores": [store]})


def fingerprint(url: str) -> str:
    engine = plain_engine(url)
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for table, key in (
            ("subscribers", "id"),
            ("subscriber_lists", "subscriber_id, list_id"),
            ("campaign_views", "id"),
            ("link_clicks", "id"),
        ):
            for row in connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY {key}")):
                digest.update(repr(tuple(row)).encode())
    engine.dispose()
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        demos = [
            build_demo(Path(folder) / name, subjects=args.subjects, seed=1, as_of=AS_OF_DAY)
            for name in ("baseline", "pdpipe")
        ]
        baseline_policy = mailing_only(load_policy(demos[0].policy_path))
        policy = mailing_only(load_policy(demos[1].policy_path))
        as_of = AsOf.end_of_day(AS_OF_DAY, policy.operator.timezone)
        cut = as_of.instant.tz_convert(None).to_pydatetime()

        engine = plain_engine(baseline_policy.stores[0].url)
        started = time.perf_counter()
        with engine.begin() as connection:
            for statement in BASELINE:
                connection.execute(
                    sa.text(statement),
                    {"cut": cut, "retention_cut": cut.replace(year=cut.year - 5)},
                )
        baseline = time.perf_counter() - started
        engine.dispose()

        started = time.perf_counter()
        result = run_policy(
            policy, RunOptions(as_of=as_of, batch_size=args.batch_size, allow_large=True)
        )
        ours = time.perf_counter() - started
        same = fingerprint(baseline_policy.stores[0].url) == fingerprint(policy.stores[0].url)

    rows = demos[1].row_counts["mailing"]["subscribers"]
    print(f"subscribers: {rows:,}; destroyed by pdpipe: {result.acted:,}")
    print(
        f"baseline SQL: {baseline:.2f} s   pdpipe run: {ours:.2f} s   ratio: {ours / baseline:.1f}x"
    )
    print(f"stores identical after both: {same}")


if __name__ == "__main__":
    main()
