"""The scan's side of bench.discovery, in a process of its own so that its peak memory is
the scan's alone.

    python -m bench.scan_side POLICY

Runs `scan_policy` (what `pdpipe scan POLICY` and the weekly scan run) once over every
database of the policy's stores, and prints one JSON line: the scan's wall time and its
CPU time in this process (the database's work is the server's), the process's peak
resident memory (VmHWM) after it, and what was sampled. Counts only.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench.pdpipe_side import peak_rss_mb
from bench.policy import load
from pdpipe.discovery.scan import scan_policy


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("policy", type=Path)
    args = parser.parse_args()
    policy = load(args.policy)
    before = peak_rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    report = scan_policy(policy)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    found = {
        "scan_s": seconds,
        "scan_cpu_s": cpu,  # this process's: on a busy machine, steadier than the wall
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
        "tables": report.tables,
        "columns": report.columns,
        "rows_sampled": report.rows_sampled,
        "undeclared": len(report.undeclared),
    }
    print(json.dumps(found))


if __name__ == "__main__":
    main()
