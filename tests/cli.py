"""`pdpipe …` in a subprocess, as a user runs it, with the tests' keys in its environment."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.execute.builders import PSEUDONYM_KEY

CONTACT_KEY = "test-contact-key"


def pdpipe(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pdpipe.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        env={
            **os.environ,
            "COLUMNS": "200",  # rich wraps narrower terminals mid-message
            "PDPIPE_TEST_PSEUDONYM_KEY": PSEUDONYM_KEY,
            "PDPIPE_TEST_CONTACT_KEY": CONTACT_KEY,
        },
    )


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int | str | None, str, str]:
    """The console script's entry point run in this process, as `pdpipe ARGS...`: (exit
    code, stdout, stderr). Much faster than a subprocess; exit codes as the shell sees."""
    from pdpipe.cli import main

    monkeypatch.setattr(sys, "argv", ["pdpipe", *args])
    with pytest.raises(SystemExit) as caught:
        main()
    captured = capsys.readouterr()
    return caught.value.code, captured.out, captured.err
