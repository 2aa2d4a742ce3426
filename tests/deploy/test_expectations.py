"""expectations/ at the repository's top holds the example policy's reviewed suites; a
change to the policy, the demo's schema or pdpipe's checks that changes them fails here
until they are written again and reviewed."""

from __future__ import annotations

import pytest

from pdpipe.validation import suites
from tests.deploy import files
from tests.deploy.expectations import FOLDER, REGENERATE, compose_stores, example_policy


def test_the_example_policy_names_the_top_level_expectations_folder() -> None:
    policy = example_policy("sqlite:///unused.db")
    folder = suites.folder_for(policy)
    assert folder is not None and folder.resolve() == FOLDER
    assert sorted(p.name for p in FOLDER.glob("*.json")) == [
        "pdpipe-crm-contacts.json",
        "pdpipe-mailing-subscribers.json",
    ]


@pytest.mark.postgres
def test_the_committed_suites_are_the_ones_the_example_policy_gives() -> None:
    with compose_stores() as url:
        policy = example_policy(url)
        problems = suites.drift(suites.build_all(policy), FOLDER)
        if not problems:
            suites.verify(policy)  # what `pdpipe check` and `pdpipe run` do with them
    assert not problems, (
        "expectations/ is out of date with docker/policy.yaml:\n  "
        + "\n  ".join(problems)
        + f"\nwrite them again with `{REGENERATE}` and review `git diff expectations/`"
    )


def test_compose_mounts_expectations_where_the_example_policy_finds_it() -> None:
    """Copied to policies/policy.yaml, mounted at /policies, the policy's
    `../expectations` is /expectations in the container."""
    for name, service in files.image_services().items():
        mounts = {target: (source, ro) for source, target, ro in files.volume_mounts(service)}
        if "/policies" not in mounts:
            continue
        assert mounts.get("/expectations") == ("./expectations", True), name
