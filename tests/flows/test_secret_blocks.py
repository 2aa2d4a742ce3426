"""Secrets from Prefect Secret blocks: a store's password in its URL, the pseudonym key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from prefect.blocks.system import Secret

from pdpipe.flows.parameters import RetentionParameters
from pdpipe.flows.retention import retention_flow
from pdpipe.policy import PolicyError, load_policy
from tests.execute.builders import POLICY, populate


def test_when_url_and_key_come_from_secret_blocks_then_the_run_uses_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url)
    Secret(value=url).save("pdpipe-test-store-url", overwrite=True)
    Secret(value="key-from-a-block").save("pdpipe-test-pseudonym-key", overwrite=True)
    text = POLICY.format(url="${prefect:pdpipe-test-store-url}").replace(
        "env:PDPIPE_TEST_PSEUDONYM_KEY", "prefect:pdpipe-test-pseudonym-key"
    )
    policy_path = tmp_path / "policy.yaml"
    policy_path.write_text(text)
    assert load_policy(policy_path).stores[0].url == url
    result = retention_flow(
        parameters=RetentionParameters(
            policy_path=str(policy_path), as_of=dt.date(2026, 11, 20), allow_large=True
        )
    )
    assert result.tables[1].acted["depersonalize"]  # the keyed operators had their key


def test_when_a_secret_block_is_missing_then_the_policy_says_which(tmp_path: Path) -> None:
    policy_path = tmp_path / "policy.yaml"
    policy_path.write_text(POLICY.format(url="${prefect:pdpipe-no-such-block}"))
    with pytest.raises(PolicyError, match="Prefect Secret block 'pdpipe-no-such-block' cannot"):
        load_policy(policy_path)
