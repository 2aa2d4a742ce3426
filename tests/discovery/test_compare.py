"""A scan's findings against the policy: every PD column the policy does not name is
undeclared (clause 5.5), and every column it names says whether PD was found there."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdpipe.discovery.compare import Detection, Status, against_policy, declared_columns
from pdpipe.policy import load_policy
from pdpipe.policy.models import Policy
from tests.execute.builders import write_policy


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    return load_policy(write_policy(tmp_path, f"sqlite:///{tmp_path}/store.db"))


def _found(table: str, column: str, category: str, share: float = 0.9) -> Detection:
    return Detection("store", table, column, category, share, "value shape")


def test_the_policy_names_table_child_and_json_key_columns(policy: Policy) -> None:
    named = declared_columns(policy)
    assert named[("store", "people", "email")] == ("email",)
    assert named[("store", "notes", "phone")] == ("phone",)  # a child table's
    assert named[("store", "leads", "attribs.phone")] == ("phone",)  # a key inside JSON


def test_when_pd_is_in_a_column_the_policy_does_not_name_then_it_is_undeclared(
    policy: Policy,
) -> None:
    verdicts = against_policy(
        policy,
        [_found("people", "email", "email"), _found("notes", "body", "phone", 0.05)],
        [("store", "people", "email"), ("store", "notes", "body")],
    )
    by_place = {(v.table, v.column): v for v in verdicts}
    assert by_place["notes", "body"].status is Status.UNDECLARED
    assert by_place["notes", "body"].found == ("phone",) and by_place["notes", "body"].share == 0.05
    assert by_place["people", "email"].status is Status.DECLARED


def test_a_declared_column_without_pd_in_its_sample_is_not_found_or_not_sampled(
    policy: Policy,
) -> None:
    verdicts = against_policy(policy, [], [("store", "people", "email")])
    by_place = {(v.table, v.column): v.status for v in verdicts}
    assert by_place["people", "email"] is Status.NOT_FOUND  # values there, none PD
    assert by_place["leads", "phone"] is Status.NOT_SAMPLED  # no values to judge
    assert Status.UNDECLARED not in by_place.values()
