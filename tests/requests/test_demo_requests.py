"""The demo's own mailbox against its two stores: a person held in both is found in both,
and the access report covers both and nobody else."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pdpipe.demo import build_demo
from pdpipe.policy import load_policy
from pdpipe.requests.access import reports_folder
from pdpipe.requests.intake import ingest
from pdpipe.requests.match import find_records
from pdpipe.requests.process import process_open

AS_OF = dt.date(2026, 11, 25)


def test_the_demo_inbox_is_answered_from_both_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_PSEUDONYM_KEY", "demo-only")
    monkeypatch.setenv("PDPIPE_CONTACT_KEY", "demo-contact")
    demo = build_demo(tmp_path, subjects=600, seed=4, as_of=AS_OF)
    policy = load_policy(demo.policy_path)
    report = ingest(policy, tmp_path / "inbox.mbox")
    assert report.registered == {
        "access": 1,
        "block": 1,
        "cease": 1,
        "needs_review": 1,
        "update": 1,
        "withdraw_consent": 2,
    }
    assert report.already == 1  # the message delivered twice

    processed = process_open(policy)
    assert processed.closed == {"access": 1, "block": 1, "cease": 1, "withdraw_consent": 2}
    (path,) = processed.access_reports
    assert path.parent == reports_folder(policy)
    held = json.loads(path.read_text(encoding="utf-8"))
    requester = held["requester"]
    stores = {section["store"] for section in held["held"]}
    matched = {record.store for record in find_records(policy, requester)}
    assert stores == matched and "crm" in stores
    addresses = {
        str(item["value"]).casefold()
        for section in held["held"]
        for record in section["records"]
        for name, item in record["data"].items()
        if "email" in item["categories"]
    }
    assert addresses == {requester}  # nobody else's address
