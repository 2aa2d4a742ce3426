"""The README's five-minute tour, run as written: every `pdpipe` line in order, in a fresh
folder, each with the exit code and the output the README promises. The tour pins its
dates (`--as-of`), so its numbers never go stale."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.cli import run_main
from tests.docs.tour import Step, tour

README = Path(__file__).resolve().parents[2] / "README.md"
HEADING = "Five minutes with the command line"
# Commands that serve until Ctrl-C: run as a user would, stopped once they answer.
SERVING = {"dashboard"}


def _flat(text: str) -> str:
    """Output without rich's line wrapping."""
    return " ".join(text.split())


def _arguments(step: Step) -> list[str]:
    """The shell's globbing, as the README's reader gets it."""
    expanded: list[str] = []
    for token in step.argv:
        if any(c in token for c in "*?["):
            matches = sorted(str(found) for found in Path().glob(token))
            assert matches, f"`{step.line}`: nothing matches {token}"
            expanded.extend(matches)
        else:
            expanded.append(token)
    return expanded


def _serve(step: Step, arguments: list[str], environment: dict[str, str]) -> tuple[int, str]:
    """Start the server (on a free port: tests run in parallel), fetch its page, Ctrl-C."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pdpipe.cli", *arguments, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **environment, "COLUMNS": "200"},
    )
    assert process.stdout is not None
    seen = []
    try:
        for line in process.stdout:
            seen.append(line)
            found = re.search(r"serving (http://127\.0\.0\.1:\d+/\S*)", line)
            if found:
                with urllib.request.urlopen(found.group(1), timeout=30) as response:
                    assert response.status == 200, f"`{step.line}`: {response.status}"
                    assert b"<html" in response.read().lower()
                process.send_signal(signal.SIGINT)
                break
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, "".join(seen) + rest


@pytest.mark.slow
def test_the_readme_tour_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    written = tour(README, HEADING)
    monkeypatch.chdir(tmp_path)
    for name, value in written.environment.items():
        monkeypatch.setenv(name, value)
    for step in written.steps:
        arguments = _arguments(step)
        code: int | str | None
        if arguments[0] in SERVING:
            code, output = _serve(step, arguments, written.environment)
            stdout = output
        else:
            code, stdout, stderr = run_main(monkeypatch, capsys, *arguments)
            output = stdout + stderr
        assert code == step.exit_code, f"`{step.line}` exited {code}:\n{output[-3000:]}"
        for claim in step.claims:
            assert _flat(claim) in _flat(output), f"`{step.line}` did not say {claim!r}:\n{output}"
        if step.redirect is not None:
            target = tmp_path / step.redirect
            target.write_text(stdout, encoding="utf-8")
            if target.suffix == ".json":
                json.loads(stdout)  # what a machine reads must parse


def test_the_tour_states_what_it_promises() -> None:
    """The tour has something to check: pinned dates and quoted numbers."""
    steps = tour(README, HEADING).steps
    demos = [step for step in steps if step.argv[0] == "demo"]
    assert demos and all("--as-of" in step.argv for step in demos), "pin the demo's day"
    dated = {"plan", "run", "validate"}
    for step in steps:
        if step.argv[0] in dated:
            assert "--as-of" in step.argv, f"`{step.line}`: without --as-of it goes stale"
    assert sum(len(step.claims) for step in steps) >= 5
