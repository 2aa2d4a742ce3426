"""Hostile and broken mailboxes (the corpus in malformed.py), ingested in-process as
`pdpipe requests ingest` runs: what is no mailbox is exit 2 and writes nothing; in a
mailbox, every message is registered, one that cannot be understood for review with its
reasons and a deadline; nothing planted in the messages comes out in the clear, on the
terminal, in the logs or in the register; each case in bounded time."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pdpipe.cli import main
from tests.cli import CONTACT_KEY
from tests.execute.builders import PSEUDONYM_KEY, populate
from tests.requests.malformed import CANARIES, CASES, Case
from tests.requests.scenario import policy_with_requests

SECONDS = 60  # per case, on a loaded CI machine; the worst takes ~3 s on a laptop
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("PDPIPE_TEST_CONTACT_KEY", CONTACT_KEY)
    monkeypatch.setenv("COLUMNS", "200")


def ingest(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    policy: Path,
    mailbox: Path,
) -> tuple[int, str, str]:
    """(exit code, stdout, stderr with every log record) of the CLI, in this process."""
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(sys, "argv", ["pdpipe", "requests", "ingest", str(policy), str(mailbox)])
    with pytest.raises(SystemExit) as caught:
        main()
    captured = capsys.readouterr()
    code = caught.value.code
    return int(code) if isinstance(code, int) else 1, captured.out, captured.err + caplog.text


def has_register(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        return sa.inspect(engine).has_table("pdpipe_requests")
    finally:
        engine.dispose()


def register_rows(url: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("pdpipe_requests"):
                return []
            rows = connection.execute(sa.text("SELECT * FROM pdpipe_requests"))
            return [dict(row) for row in rows.mappings()]
    finally:
        engine.dispose()


def reasons_of(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(r for row in rows for r in (row["review"] or "").split(",") if r)


def assert_no_canary(text: str) -> None:
    for pattern in CANARIES:
        found = re.search(pattern, text, re.IGNORECASE)
        assert found is None, f"{pattern!r} came out: …{text[max(0, found.start() - 80) :][:160]}…"


def skip_if_root(case: Case) -> None:
    if case.needs_non_root and AS_ROOT:
        pytest.skip(
            "running as root: file permissions do not bind root, so a file it cannot read "
            "cannot be made"
        )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_malformed_mailbox_is_refused_or_each_message_registered(
    case: Case,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    skip_if_root(case)
    folder = tmp_path / "in"
    folder.mkdir()
    mailbox = case.build(folder)
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=3, leads_count=3)
    policy = policy_with_requests(tmp_path, url)

    started = time.perf_counter()
    code, out, err = ingest(monkeypatch, capsys, caplog, policy, mailbox)
    elapsed = time.perf_counter() - started

    assert code == case.exit_code, out + err
    assert elapsed < SECONDS
    assert "Traceback" not in err and "internal error" not in err
    assert_no_canary(out + err)
    if case.exit_code == 2:
        assert case.error in err
        assert register_rows(url) == [] and not has_register(url)  # nothing written
        return
    rows = register_rows(url)
    assert len(rows) == case.registered, out
    assert reasons_of(rows) == sorted(case.reasons), out
    assert f"; {case.already} already registered" in out
    for row in rows:
        assert row["deadline"] is not None  # the statutory clock runs for every message
        assert (row["status"] == "needs_review") == bool(row["review"])
        if row["review"] and row["review"] != "unclassified":
            # Each flagged message is named on the terminal by its id, place and digest.
            assert re.search(
                rf"needs review: {row['request_id']} \S+ \[{row['content_digest'][:12]}\]: "
                + re.escape(row["review"].replace(",", ", ")),
                out,
            ), out
    assert_no_canary(json.dumps(rows, default=str, ensure_ascii=False))


def test_the_corpus_in_one_register_on_every_store(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """All the cases into one register on SQLite, PostgreSQL and MariaDB: what each
    stores (NUL bytes, digests, reasons) fits every database; ingesting all again
    registers nothing."""
    populate(store_url, people_count=3, leads_count=3)
    policy = policy_with_requests(tmp_path, store_url)
    cases = [c for c in CASES if not (c.needs_non_root and AS_ROOT)]
    mailboxes = []
    for index, case in enumerate(cases):
        folder = tmp_path / f"case{index}"
        folder.mkdir()
        mailboxes.append(case.build(folder))
    terminal = ""
    for case, mailbox in zip(cases, mailboxes, strict=True):
        before = len(register_rows(store_url))
        code, out, err = ingest(monkeypatch, capsys, caplog, policy, mailbox)
        terminal += out + err
        assert code == case.exit_code, (case.name, out + err)
        if not before:  # what is no mailbox comes first: the register is not even made
            assert has_register(store_url) == (case.exit_code == 0), case.name
        # No case holds a message of another case.
        assert len(register_rows(store_url)) - before == case.registered, (case.name, out)
    rows = register_rows(store_url)
    assert reasons_of(rows) == sorted(r for c in cases for r in c.reasons)
    assert_no_canary(terminal)
    assert_no_canary(json.dumps(rows, default=str, ensure_ascii=False))

    for case, mailbox in zip(cases, mailboxes, strict=True):
        code, out, _ = ingest(monkeypatch, capsys, caplog, policy, mailbox)
        if case.exit_code == 0:
            assert "registered 0 request(s)" in out, case.name
    assert len(register_rows(store_url)) == len(rows)
