"""docker/policy.yaml, the policy the compose stack is tried with: it is the demo's policy
with its stores taken from PDPIPE_MAILING_URL and PDPIPE_CRM_URL, and it passes
`pdpipe check` against stores the demo builds."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from pdpipe.demo import build_demo
from pdpipe.policy import Policy, load_policy
from pdpipe.stores.schema_check import store_problems
from tests.deploy import files


def _without_urls(policy: Policy) -> dict[str, Any]:
    """The policy less what only the sample sets: its stores' URLs and its suites' folder
    (the repository's top-level expectations/, tests/deploy/test_expectations.py)."""
    dumped = policy.model_dump(mode="json")
    dumped.pop("expectations")
    for store in dumped["stores"]:
        store.pop("url")
    return dumped


def test_the_sample_policy_is_the_demo_policy_and_passes_check(tmp_path: Path) -> None:
    demo = build_demo(tmp_path, subjects=40, seed=5, as_of=datetime.date(2026, 11, 25))
    environ = {
        "PDPIPE_MAILING_URL": demo.store_urls["mailing"],
        "PDPIPE_CRM_URL": demo.store_urls["crm"],
    }
    sample = load_policy(files.SAMPLE_POLICY, environ)
    assert [s.url for s in sample.stores] == [
        environ["PDPIPE_MAILING_URL"],
        environ["PDPIPE_CRM_URL"],
    ]
    assert _without_urls(sample) == _without_urls(load_policy(demo.policy_path, {}))
    assert store_problems(sample) == []
    assert sample.secrets == {
        "pseudonym_key": "env:PDPIPE_PSEUDONYM_KEY",
        "contact_key": "env:PDPIPE_CONTACT_KEY",
    }
