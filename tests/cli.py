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


def pdpipe_in_process(*args: str) -> subprocess.CompletedProcess[str]:
    """`pdpipe(*args)` without a new interpreter: the same environment, output and exit
    code as the shell sees, at a tenth of the cost (no imports paid again per command)."""
    import contextlib
    import io

    from pdpipe.cli import main

    environment = {
        "COLUMNS": "200",
        "PDPIPE_TEST_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "PDPIPE_TEST_CONTACT_KEY": CONTACT_KEY,
    }
    saved = {name: os.environ.get(name) for name in environment}
    argv, out, err = sys.argv, io.StringIO(), io.StringIO()
    os.environ.update(environment)
    sys.argv = ["pdpipe", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
                code: int | str | None = 0
            except SystemExit as exit_:
                code = exit_.code
    finally:
        sys.argv = argv
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    if isinstance(code, str):  # sys.exit("message"): printed, exit status 1
        err.write(code + "\n")
        code = 1
    return subprocess.CompletedProcess(["pdpipe", *args], code or 0, out.getvalue(), err.getvalue())
