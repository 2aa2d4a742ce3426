"""Where access reports go: beside the policy by default; under PDPIPE_OUTPUT_DIR when a
deployment sets it (docker compose mounts the policy folder read-only); and never served
by `pdpipe dashboard`, although they then share the run outputs' folder."""

from __future__ import annotations

import datetime as dt
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pdpipe.demo import build_demo
from pdpipe.policy import load_policy
from pdpipe.policy.loading import parse_policy
from pdpipe.report.dashboard.serve import DashboardServer
from pdpipe.requests.access import reports_folder
from pdpipe.requests.intake import ingest
from pdpipe.requests.process import process_open
from pdpipe.settings import output_dir

POLICY = Path("/policies/policy.yaml")
DOCKER_POLICY = Path(__file__).resolve().parents[2] / "docker" / "policy.yaml"
ENVIRONMENT = {"PDPIPE_MAILING_URL": "sqlite://", "PDPIPE_CRM_URL": "sqlite://"}


def _policy(reports: str | None = None) -> str:
    text = DOCKER_POLICY.read_text(encoding="utf-8")
    if reports is None:
        return text
    return text.replace("requests:\n", f"requests:\n  reports: {reports}\n", 1)


def test_by_default_access_reports_go_beside_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PDPIPE_OUTPUT_DIR", raising=False)
    policy = parse_policy(_policy(), POLICY, ENVIRONMENT)
    assert reports_folder(policy) == Path("/policies/access-reports")


def test_with_an_output_folder_access_reports_go_under_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PDPIPE_OUTPUT_DIR", "/var/lib/pdpipe/runs")
    policy = parse_policy(_policy(), POLICY, ENVIRONMENT)
    assert reports_folder(policy) == Path("/var/lib/pdpipe/runs/access-reports")
    named = parse_policy(_policy("answers/access"), POLICY, ENVIRONMENT)
    assert reports_folder(named) == Path("/var/lib/pdpipe/runs/answers/access")
    # An absolute folder in the policy is the operator's choice, whatever the variable.
    absolute = parse_policy(_policy("/srv/private/access"), POLICY, ENVIRONMENT)
    assert reports_folder(absolute) == Path("/srv/private/access")


def test_answering_an_access_request_writes_nothing_beside_the_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_PSEUDONYM_KEY", "demo-only")
    monkeypatch.setenv("PDPIPE_CONTACT_KEY", "demo-contact")
    demo = build_demo(tmp_path / "demo", subjects=300, seed=4, as_of=dt.date(2026, 11, 25))
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("PDPIPE_OUTPUT_DIR", str(outputs))
    policy = load_policy(demo.policy_path)
    before = sorted(demo.policy_path.parent.rglob("*"))
    ingest(policy, demo.policy_path.parent / "inbox.mbox")

    (report,) = process_open(policy).access_reports
    assert report.parent == outputs / "access-reports"
    assert report.stat().st_mode & 0o077 == 0  # its owner's only, there too
    after = sorted(demo.policy_path.parent.rglob("*"))
    # The stores change in place (SQLite files and their journals); no file is added.
    assert [p for p in after if p not in before and not p.name.endswith(("-wal", "-shm"))] == []


def test_the_dashboard_server_never_serves_the_access_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = tmp_path / "runs"
    monkeypatch.setenv("PDPIPE_OUTPUT_DIR", str(outputs))
    policy = parse_policy(_policy(), POLICY, ENVIRONMENT)
    site = output_dir(POLICY) / "dashboard"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<p>runs</p>", encoding="utf-8")
    (outputs / "2026-11-25-run" / "summary.json").parent.mkdir()
    (outputs / "2026-11-25-run" / "summary.json").write_text("{}", encoding="utf-8")
    reports = reports_folder(policy)
    reports.mkdir()
    (reports / "access-1.json").write_text('{"requester": "x"}', encoding="utf-8")

    server = DashboardServer(site, outputs, withheld=(reports,))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.port}/"
        for served in ("dashboard/index.html", "2026-11-25-run/summary.json"):
            with urllib.request.urlopen(base + served, timeout=10) as response:
                assert response.status == 200, served
        for refused in ("access-reports/access-1.json", "access-reports/"):
            with pytest.raises(urllib.error.HTTPError) as error:
                urllib.request.urlopen(base + refused, timeout=10)
            assert error.value.code == 404, refused
    finally:
        server.shutdown()
        thread.join(timeout=10)
