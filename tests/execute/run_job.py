"""Runs run_policy() in a process of its own, for tests that kill it or race two of them.

    python -m tests.execute.run_job POLICY AS_OF BATCH_SIZE
Exit codes as the CLI's: 0 done, 1 failed (e.g. the store is busy), 2 bad input.
"""

from __future__ import annotations

import datetime as dt
import sys

from pdpipe.errors import PdpipeError
from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf


def main() -> int:
    policy_path, day, batch_size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        policy = load_policy(policy_path)
        as_of = AsOf.end_of_day(dt.date.fromisoformat(day), policy.operator.timezone)
        result = run_policy(
            policy, RunOptions(as_of=as_of, batch_size=batch_size, allow_large=True, snapshot=True)
        )
    except PdpipeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"acted {result.acted} resumed {result.resumed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
