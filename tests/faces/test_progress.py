"""Progress is for a person at a terminal: shown there, silent under --quiet and when
stderr is a pipe or a file (a CI log, cron's mail), where not a byte of it may land."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import run_main
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy
from tests.requests.scenario import (
    requests_scenario,
    scenario_mailbox,
)

HIDE_CURSOR = "\x1b[?25l"  # what rich writes as a live display starts


@pytest.fixture
def policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=60, leads_count=60)
    return write_policy(tmp_path, url)


def on_a_terminal(*args: str) -> tuple[int, str, str]:
    """`pdpipe ARGS` with its stderr on a pseudo-terminal, as in an interactive shell:
    (exit code, stdout, what the terminal received)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "pdpipe.cli", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "160"},
    )
    os.close(follower)
    received = bytearray()
    while True:  # read as it comes: a full terminal buffer would stall the command
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the command closed its end
                break
            if not chunk:
                break
            received += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    assert process.stdout is not None
    stdout = process.stdout.read().decode()
    return process.wait(timeout=300), stdout, received.decode(errors="replace")


def test_a_run_at_a_terminal_shows_its_steps(policy: Path) -> None:
    args = ("run", str(policy), "--as-of", AS_OF_DAY.isoformat(), "--allow-large")
    code, stdout, terminal = on_a_terminal(*args)
    assert code == 0, terminal
    assert HIDE_CURSOR in terminal
    assert "acting, in batches" in terminal and "validating (Great Expectations)" in terminal
    assert "store.people" in terminal and "acted on" in terminal
    assert "completed" in stdout  # the result, on stdout

    run_id = stdout.split("Run ", 1)[1].split()[0]
    code, stdout, terminal = on_a_terminal("report", "acts", str(policy), "--run", run_id)
    assert code == 0, terminal
    assert "writing the" in terminal and "written to" in stdout
    assert "\x1b" not in stdout  # the spinner stays on stderr


def test_quiet_at_a_terminal_shows_no_progress(policy: Path) -> None:
    args = ("plan", str(policy), "--as-of", AS_OF_DAY.isoformat())
    code, shown, terminal = on_a_terminal(*args)
    assert code == 0 and HIDE_CURSOR in terminal and "reading store." in terminal
    code, quiet, terminal = on_a_terminal("--quiet", *args)
    assert code == 0
    assert terminal == ""  # not a frame, not a cursor code
    assert quiet == shown  # the plan itself, unchanged


def test_when_stderr_is_not_a_terminal_then_no_progress_reaches_it(
    policy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ("run", str(policy), "--as-of", AS_OF_DAY.isoformat(), "--allow-large")
    code, stdout, stderr = run_main(monkeypatch, capsys, *args)
    assert code == 0
    assert stderr == "" and "\x1b" not in stdout
    for more in (
        ("validate", str(policy), "--as-of", "2026-11-25", "--out", str(tmp_path / "v")),
        ("ledger", "verify", str(policy)),
        ("expectations", str(policy), "--out", str(tmp_path / "suites")),
        ("plan", str(policy), "--as-of", "2026-11-25"),
    ):
        code, stdout, stderr = run_main(monkeypatch, capsys, *more)
        assert (code, stderr) == (0, ""), more
        assert "\x1b" not in stdout


def test_requests_show_progress_at_a_terminal_and_nothing_in_a_pipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    policy, mailbox = requests_scenario(tmp_path, monkeypatch, 20, 20)
    code, stdout, terminal = on_a_terminal(
        "requests", "ingest", str(policy), str(mailbox), "--process"
    )
    assert code == 0, terminal
    assert "message(s) read" in terminal and "processing requests" in terminal
    assert "closed:" in stdout

    more = scenario_mailbox(tmp_path / "again.mbox")  # the same messages: already registered
    args = ("requests", "ingest", str(policy), str(more), "--process")
    exit_code, stdout, stderr = run_main(monkeypatch, capsys, *args)
    assert (exit_code, stderr) == (0, "") and "already registered" in stdout
