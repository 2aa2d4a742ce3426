"""How much slower is `pdpipe plan` than one hand-written SQL query doing the counting?

Builds the demo stores (SQLite by default, or --url for PostgreSQL/MariaDB), then times
on the mailing list's `subscribers` table:
  baseline  one SQL statement counting the records whose purpose ended (same end rules)
  pdpipe    build_plan(): key-ordered chunks of key/clock/verdicts, decide() in pandas,
            deadlines on the production calendar
and prints the ratio. Not part of the test suite.

    .venv/bin/python bench/plan_vs_sql.py --subjects 200000
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
import tracemalloc
from pathlib import Path

import sqlalchemy as sa

from pdpipe.demo import build_demo
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.retention.plan import build_plan
from pdpipe.stores.drivers import plain_engine

AS_OF_DAY = dt.date(2026, 11, 25)

BASELINE = """
SELECT COUNT(*) FROM subscribers s
WHERE s.updated_at <= :cut AND (
  s.status = 'blocklisted'
  OR NOT EXISTS (SELECT 1 FROM subscriber_lists l
                 WHERE l.subscriber_id = s.id AND l.status <> 'unsubscribed')
  OR s.updated_at <= :retention_cut)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=200_000)
    parser.add_argument("--url", default=None, help="PostgreSQL/MariaDB URL instead of SQLite")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        demo = build_demo(
            Path(folder), subjects=args.subjects, seed=1, url=args.url, as_of=AS_OF_DAY
        )
        print(f"demo built: {args.subjects:,} subjects in {time.perf_counter() - started:.1f} s")
        policy = load_policy(demo.policy_path)
        store = next(s for s in policy.stores if s.name == "mailing")
        mailing = policy.model_copy(
            update={
                "stores": [
                    store.model_copy(
                        update={"tables": [t for t in store.tables if t.name == "subscribers"]}
                    )
                ]
            }
        )
        as_of = AsOf.end_of_day(AS_OF_DAY, policy.operator.timezone)
        cut = as_of.instant.tz_convert(None).to_pydatetime()
        engine = plain_engine(store.url)

        def baseline() -> int:
            with engine.connect() as connection:
                return int(
                    connection.execute(
                        sa.text(BASELINE),
                        {"cut": cut, "retention_cut": cut.replace(year=cut.year - 5)},
                    ).scalar_one()
                )

        def pdpipe() -> int:
            return build_plan(mailing, as_of).tables[0].due

        timings: dict[str, float] = {}
        counts: dict[str, int] = {}
        for name, work in (("baseline", baseline), ("pdpipe", pdpipe)):
            best = float("inf")
            for _ in range(args.repeat):
                started = time.perf_counter()
                counts[name] = work()
                best = min(best, time.perf_counter() - started)
            timings[name] = best
        tracemalloc.start()
        pdpipe()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        engine.dispose()

    rows = demo.row_counts["mailing"]["subscribers"]
    agree = "agree" if counts["pdpipe"] == counts["baseline"] else "DISAGREE"
    print(
        f"subscribers: {rows:,}; due: pdpipe {counts['pdpipe']:,}, "
        f"SQL {counts['baseline']:,} ({agree})"
    )
    print(
        f"baseline SQL: {timings['baseline']:.3f} s   pdpipe plan: {timings['pdpipe']:.3f} s   "
        f"ratio: {timings['pdpipe'] / timings['baseline']:.1f}x"
    )
    print(
        f"pdpipe plan: {rows / timings['pdpipe']:,.0f} rows/s, "
        f"peak Python memory {peak / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
