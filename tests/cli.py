"""`pdpipe …` in a subprocess, as a user runs it, with the tests' keys in its environment."""

from __future__ import annotations

import os
import subprocess
import sys

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
