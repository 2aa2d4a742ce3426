"""Hostile and broken policies (tests/policy/hostile.py) meet the CLI as a user's would.

Each is refused with exit 2, a message naming the file (and the line, where one means
something) and what was expected, no traceback, and no password or secret in the output.
`pdpipe run` refuses a sample of them before anything is written. The monsters (an alias
bomb, 50 MB, nesting 100,000 deep) are also run in a process of their own under a 1 GiB
address-space limit: before the limits, the bomb alone took 3-10 GB.

Time is measured, not asserted (a loaded CI machine would make a bound flaky): each case's
seconds are recorded as a test property, in the JUnit report with `--junitxml`.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli import run_main
from tests.policy.hostile import CANARIES, CANARY_KEY, CASES, RUN_CASES, Hostile

BY_NAME = {case.name: case for case in CASES}


def test_the_corpus_has_at_least_90_distinct_cases() -> None:
    assert len(CASES) >= 90
    assert len(BY_NAME) == len(CASES)
    assert set(RUN_CASES) <= set(BY_NAME)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The key set (so a missing one is the case's doing) and the store URL left to the file."""
    monkeypatch.setenv("PDPIPE_PSEUDONYM_KEY", CANARY_KEY)
    monkeypatch.delenv("PDPIPE_MAILING_URL", raising=False)
    return monkeypatch


def apply_env(monkeypatch: pytest.MonkeyPatch, case: Hostile) -> None:
    for name, value in case.env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def assert_refused(case: Hostile, path: Path, outcome: tuple[int | str | None, str, str]) -> None:
    code, out, err = outcome
    assert code == 2, err
    assert out == ""
    assert err.startswith(f"error: {path}: "), err
    if case.line_number is not None:
        assert f"  {path}:{case.line_number}: " in err, err
    assert case.expect in " ".join(err.split()), err
    assert "Traceback" not in err
    for canary in CANARIES:
        assert canary not in out + err


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_when_check_reads_a_hostile_policy_then_it_exits_2_naming_file_line_and_what_is_expected(
    case: Hostile,
    tmp_path: Path,
    environment: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    record_property: object,
) -> None:
    apply_env(environment, case)
    path = case.write(tmp_path / "policy.yaml")

    started = time.perf_counter()
    outcome = run_main(environment, capsys, "check", "--offline", str(path))
    record_property("seconds", round(time.perf_counter() - started, 4))  # type: ignore[operator]

    assert_refused(case, path, outcome)


def _store(folder: Path) -> Path:
    """The SQLite store the good policy names (mailing.db beside it), with one subscriber."""
    store = folder / "mailing.db"
    with sqlite3.connect(store) as connection:
        connection.execute(
            "CREATE TABLE subscribers (id INTEGER PRIMARY KEY, email TEXT, updated_at TEXT)"
        )
        connection.execute("INSERT INTO subscribers VALUES (1, 'canary@mail.ru', '2020-01-01')")
    connection.close()
    return store


def _tables(store: Path) -> list[str]:
    with sqlite3.connect(store) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
    connection.close()
    return names


@pytest.mark.parametrize("name", RUN_CASES)
def test_when_run_meets_a_hostile_policy_then_it_exits_2_and_writes_nothing(
    name: str,
    tmp_path: Path,
    environment: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = BY_NAME[name]
    apply_env(environment, case)
    store = _store(tmp_path)
    before = store.read_bytes()
    path = case.write(tmp_path / "policy.yaml")
    files = sorted(tmp_path.iterdir())

    outcome = run_main(environment, capsys, "run", str(path), "--allow-large")

    assert_refused(case, path, outcome)
    assert store.read_bytes() == before
    assert _tables(store) == ["subscribers"]  # no pdpipe_runs, no pdpipe_ledger
    assert sorted(tmp_path.iterdir()) == files  # no runs/ folder, no suites


# In a process of its own, under a memory limit: what would blow up without the limits.

MONSTERS = ("alias_bomb", "quadratic_blowup", "fifty_megabytes", "nested_flow_lists_100000_deep")
ADDRESS_SPACE = 1024**3


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def test_when_monsters_are_checked_under_1_gib_then_each_is_refused_in_time(
    tmp_path: Path,
) -> None:
    console_script = Path(sys.executable).with_name("pdpipe")
    env = {**os.environ, "PDPIPE_PSEUDONYM_KEY": CANARY_KEY}
    env.pop("PDPIPE_MAILING_URL", None)
    running = {}
    for name in MONSTERS:  # all at once: each spends most of its time importing the CLI
        path = BY_NAME[name].write(tmp_path / f"{name}.yaml")
        running[name] = (
            path,
            subprocess.Popen(
                [str(console_script), "check", "--offline", str(path)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                preexec_fn=_limited,
            ),
        )
    for name, (path, process) in running.items():
        out, err = process.communicate(timeout=180)
        assert_refused(BY_NAME[name], path, (process.returncode, out, err))
