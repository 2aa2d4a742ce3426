"""A demo with history, and its dashboard, built once for the dashboard tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

import pdpipe
from pdpipe.demo import build_demo
from pdpipe.execute.runner import RunResult
from pdpipe.policy import Policy, load_policy
from pdpipe.report.dashboard import build_dashboard, default_dashboard_dir
from pdpipe.requests.intake import ingest
from pdpipe.requests.process import process_open
from tests.report.dashboard_site import run_like_the_nightly_flow

DEMO_DAY = dt.date(2026, 11, 25)  # the demo's data are generated up to this day
RUN_DAYS = (dt.date(2026, 11, 10), DEMO_DAY)
# Weeks after the last run: some due records are overdue, others have days left.
TODAY = dt.date(2027, 1, 20)


@dataclass(frozen=True)
class DemoDashboard:
    policy: Policy
    policy_path: Path
    site: Path
    runs: list[RunResult]


@pytest.fixture(scope="session")
def demo_dashboard(tmp_path_factory: pytest.TempPathFactory) -> DemoDashboard:
    """Two nightly runs and the demo's mailbox of requests, then the dashboard as of
    TODAY. The keys are set only while the history is made: reading needs none."""
    folder = tmp_path_factory.mktemp("dashboard-demo")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PDPIPE_PSEUDONYM_KEY", "dashboard-test-key")
        env.setenv("PDPIPE_CONTACT_KEY", "dashboard-test-contact-key")
        env.delenv("PDPIPE_OUTPUT_DIR", raising=False)  # run folders beside the policy
        demo = build_demo(folder, subjects=300, seed=5, as_of=DEMO_DAY)
        policy = load_policy(demo.policy_path)
        runs = []
        for day in RUN_DAYS:  # a kept discovery scan before each run, as the weekly flow
            pdpipe.scan(policy)
            runs.append(run_like_the_nightly_flow(policy, day))
        ingest(policy, folder / "inbox.mbox")
        process_open(policy)
        site = default_dashboard_dir(demo.policy_path)
        build_dashboard(policy, site, today=TODAY)
    return DemoDashboard(policy, demo.policy_path, site, runs)
