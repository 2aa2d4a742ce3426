"""Benchmarks of pdpipe (not part of the test suite's timing).

``python -m bench`` loads a million subscribers into PostgreSQL or MariaDB and runs, on
identical copies of the data, pdpipe (plan, run with its ledger, validation), the same
transformation as hand-written SQL, and a naive per-row ORM loop; see docs/performance.md.
The older single-purpose scripts (plan_vs_sql.py, run_vs_sql.py, validate_vs_run.py)
still run as scripts.
"""

from __future__ import annotations

import datetime as dt

# The instant the data are generated around and decided at (end of this day, operator's
# timezone): the same for every contender.
AS_OF_DAY = dt.date(2026, 11, 25)

# A benchmark-only pseudonym key: the contenders' HMACs use it; it protects nothing.
BENCH_KEY = "pdpipe-bench-only-key"
KEY_VARIABLE = "PDPIPE_PSEUDONYM_KEY"
