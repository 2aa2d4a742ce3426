"""`python -m bench.discovery` at a tiny size, on SQLite only: it runs, scores every
category and prints no PD (docs/discovery.md has the real numbers)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FINAL = re.compile(r"recall_min=\d\.\d{2} precision_min=\d\.\d{2}")


@pytest.mark.slow
def test_bench_discovery_scores_both_corpora_and_prints_names_only() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.discovery",
            "--no-store",
            "--dbs",
            "sqlite",
            "--corpus-rows",
            "150",
            "--subjects",
            "300",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert FINAL.fullmatch(done.stdout.strip().splitlines()[-1]), output[-3000:]
    assert "demo (SQLite)" in done.stdout and "shop (SQLite)" in done.stdout
    # Names, categories and numbers only: no address, no Cyrillic word, no digits of a phone.
    assert "@" not in output
    assert not re.search("[А-Яа-яЁё]", output)
    # The commit measured is named in hex, which can hold six digits in a row (f462874).
    assert not re.search(r"\d{6}", re.sub(r"src/ at [0-9a-f]+", "src/ at <commit>", output))
