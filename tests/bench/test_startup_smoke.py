"""`python -m bench.startup` runs its four commands and prints its line: the harness only,
never its timings (those vary with the machine and its load; docs/performance.md)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FINAL = re.compile(
    r"^startup help=\d+\.\d\d version=\d+\.\d\d noop_run=\d+\.\d\d refused_run=\d+\.\d\d$",
    re.MULTILINE,
)


@pytest.mark.slow
def test_the_startup_bench_runs_every_command_and_prints_its_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.startup", "--repeat", "1", "--subjects", "100"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert FINAL.search(done.stdout), done.stdout
    for name in ("--help", "--version", "no-op run", "refused run"):
        assert re.search(rf"^{re.escape(name)} +\d+\.\d\d +\d\.\d  (ok|MISSED)$", done.stdout, re.M)
