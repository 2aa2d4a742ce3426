"""A crash mid-ingest leaves the register correct: every message is registered or not,
and ingesting again registers the rest, nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from tests.execute.builders import PSEUDONYM_KEY, populate
from tests.requests.mailboxes import message, text, write_mbox
from tests.requests.scenario import CONTACT_KEY, policy_with_requests

MESSAGES = 1500


def _registered(url: str) -> tuple[int, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("pdpipe_requests"):
                return 0, 0
            total, distinct = connection.execute(
                sa.text("SELECT count(*), count(DISTINCT message_key) FROM pdpipe_requests")
            ).one()
            return int(total), int(distinct)
    finally:
        engine.dispose()


def test_when_ingest_is_killed_midway_then_ingesting_again_completes_the_register(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=10, leads_count=10)
    policy = policy_with_requests(tmp_path, url)
    mailbox = write_mbox(
        tmp_path / "inbox.mbox",
        [
            message(
                subject="Withdrawal of Consent to Personal Data Processing",
                body=text("Please withdraw my consent."),
                sender=f"person{i}@example.org",
                message_id=f"<crash-{i}@example.org>",
            )
            for i in range(MESSAGES)
        ],
    )
    env = {
        **os.environ,
        "PDPIPE_TEST_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "PDPIPE_TEST_CONTACT_KEY": CONTACT_KEY,
    }
    command = [sys.executable, "-m", "pdpipe.cli", "requests", "ingest", str(policy), str(mailbox)]
    ingest = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _registered(url)[0] < 50 and time.monotonic() < deadline and ingest.poll() is None:
        time.sleep(0.05)
    ingest.send_signal(signal.SIGKILL)
    ingest.wait(timeout=30)
    before, distinct = _registered(url)
    assert 0 < before < MESSAGES and before == distinct  # it died midway, leaving no half

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert (
        f"registered {MESSAGES - before} request(s) (withdraw_consent: {MESSAGES - before}); "
        f"{before} already registered" in again.stdout
    )
    assert _registered(url) == (MESSAGES, MESSAGES)
