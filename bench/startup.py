"""python -m bench.startup: how long pdpipe takes to start, on this machine.

    python -m bench.startup [--repeat N] [--subjects N]

Each command runs as a user runs it, `pdpipe …` in a fresh process, N times; the median
is printed against issue 21's targets:

    --help          pdpipe --help                                   < 1 s
    --version       pdpipe --version                                < 1 s
    no-op run       pdpipe run on the demo with nothing due         < 3 s
                    (the demo's own run already acted: every timed run is a no-op)
    refused run     pdpipe run over the guard's limit (--max-fraction), exit 2,
                    nothing written                                 < 3 s

The demo (SQLite, in a temporary folder) is built once, untimed. Prints one line per
command and ends with `startup help=X version=Y noop_run=Z refused_run=W` (seconds).
Exit 0 whatever the numbers: this measures, it does not judge (docs/performance.md).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DEMO_DAY = datetime.date(2026, 11, 25)
LATER = DEMO_DAY + datetime.timedelta(days=61)  # records have fallen due since the demo's run
KEYS = {"PDPIPE_PSEUDONYM_KEY": "bench-only-key", "PDPIPE_CONTACT_KEY": "bench-only-contact-key"}


@dataclass(frozen=True)
class Case:
    name: str
    arguments: list[str]
    exit_code: int
    target: float  # seconds, issue 21


def _pdpipe() -> str:
    """The console script beside this interpreter, as a user's shell finds it."""
    script = Path(sys.executable).with_name("pdpipe")
    if not script.exists():
        raise SystemExit(f"no pdpipe script beside {sys.executable}: install the project first")
    return str(script)


def _environment() -> dict[str, str]:
    return {**os.environ, **KEYS, "COLUMNS": "120"}


def _timed(command: list[str], expected: int) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, env=_environment(), timeout=600
    )
    seconds = time.perf_counter() - started
    if done.returncode != expected:
        raise SystemExit(
            f"`{' '.join(command[1:])}` exited {done.returncode}, not {expected}:\n"
            f"{done.stderr[-2000:]}"
        )
    return seconds


def cases(policy: Path) -> list[Case]:
    return [
        Case("--help", ["--help"], 0, 1.0),
        Case("--version", ["--version"], 0, 1.0),
        Case("no-op run", ["run", str(policy), "--as-of", DEMO_DAY.isoformat()], 0, 3.0),
        Case(
            "refused run",
            ["run", str(policy), "--as-of", LATER.isoformat(), "--max-fraction", "0.001"],
            2,
            3.0,
        ),
    ]


def build(folder: Path, subjects: int) -> Path:
    """The demo, its own nightly run included (so nothing is due as of its day), then one
    untimed no-op run: the first run after a build may do one-off work."""
    pdpipe = _pdpipe()
    demo = ["demo", "--dir", str(folder), "--subjects", str(subjects)]
    _timed([pdpipe, *demo, "--as-of", DEMO_DAY.isoformat()], 0)
    policy = folder / "policy.yaml"
    _timed([pdpipe, "run", str(policy), "--as-of", DEMO_DAY.isoformat()], 0)
    return policy


def measure(policy: Path, repeat: int) -> dict[str, float]:
    pdpipe = _pdpipe()
    return {
        case.name: statistics.median(
            _timed([pdpipe, *case.arguments], case.exit_code) for _ in range(repeat)
        )
        for case in cases(policy)
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (median)")
    parser.add_argument("--subjects", type=int, default=2000, help="demo size")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pdpipe-startup-") as folder:
        policy = build(Path(folder) / "demo", options.subjects)
        medians = measure(policy, options.repeat)
    targets = {case.name: case.target for case in cases(policy)}
    print(f"{'command':<14}{'median s':>10}{'target s':>10}  (of {options.repeat} runs)")
    for name, seconds in medians.items():
        verdict = "ok" if seconds < targets[name] else "MISSED"
        print(f"{name:<14}{seconds:>10.2f}{targets[name]:>10.1f}  {verdict}")
    print(
        "startup "
        + " ".join(
            f"{name.replace('-', '').replace(' ', '_')}={seconds:.2f}"
            for name, seconds in medians.items()
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
