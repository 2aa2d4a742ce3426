"""The dashboard as files: every page is there, every link resolves, and the numbers are
the ledger's, the plan's and the register's."""

from __future__ import annotations

import collections
import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe import json_files
from pdpipe.demo import build_demo
from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import load_policy
from pdpipe.report.dashboard import build_dashboard, run_page
from pdpipe.report.dashboard.data import gather
from pdpipe.report.formats import INDEX, SUMMARY, DocumentsIndex, RunSummary
from pdpipe.requests import register
from pdpipe.retention.decide import AsOf
from pdpipe.retention.plan import build_plan
from pdpipe.settings import output_dir
from pdpipe.stores import tables
from tests.cli import pdpipe_in_process as pdpipe
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy
from tests.report.conftest import DEMO_DAY, TODAY, DemoDashboard
from tests.report.dashboard_site import Page, number

PAGES = ("index.html", "backlog.html", "requests.html", "discovery.html", "validation.html")


def _ledger_counts(demo: DemoDashboard, run_id: str) -> dict[tuple[str, str, str], int]:
    """(store.table, action, reason) -> records, counted from the ledger's rows."""
    counts: collections.Counter[tuple[str, str, str]] = collections.Counter()
    for url in dict.fromkeys(store.url for store in demo.policy.stores):
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            ledger = tables.ledger.c
            rows = connection.execute(
                sa.select(ledger.store, ledger.table_name, ledger.action, ledger.reason).where(
                    ledger.run_id == run_id
                )
            )
            counts.update((f"{s}.{t}", action, reason) for s, t, action, reason in rows)
        engine.dispose()
    return dict(counts)


def test_every_page_is_written_and_every_link_resolves(demo_dashboard: DemoDashboard) -> None:
    site = demo_dashboard.site
    pages = [site / name for name in PAGES] + [
        run_page(site, str(run.run_id)) for run in demo_dashboard.runs
    ]
    assert all(page.is_file() for page in pages)
    assert (site / "assets" / "vega.min.js").stat().st_size > 100_000  # Vega itself, no CDN

    for path in site.rglob("*.html"):
        page = Page(path)
        assert page.links, path
        assert [link for link in page.links if "://" in link] == []  # nothing from elsewhere
        missing = [str(target) for target in page.local_targets() if not target.exists()]
        assert missing == [], path


def test_each_run_page_counts_what_the_ledger_recorded(demo_dashboard: DemoDashboard) -> None:
    index = Page(demo_dashboard.site / "index.html")
    acted_on = {row[1]: number(row[3]) for row in index.tables["runs"]}
    for run in demo_dashboard.runs:
        run_id = str(run.run_id)
        page = Page(run_page(demo_dashboard.site, run_id))
        shown = {(row[0], row[1], row[2]): number(row[3]) for row in page.tables["acted"]}
        assert shown == _ledger_counts(demo_dashboard, run_id)
        assert acted_on[run_id] == run.acted == sum(shown.values()) > 0


def test_the_database_counts_the_ledger_on_every_dialect(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=120, leads_count=90)
    policy = load_policy(write_policy(tmp_path, store_url))
    as_of = AsOf.end_of_day(AS_OF_DAY, policy.operator.timezone)
    result = run_policy(policy, RunOptions(as_of=as_of, allow_large=True))

    (run,) = gather(policy, as_of).runs
    assert (run.run_id, run.as_of, run.status) == (result.run_id, AS_OF_DAY, "completed")
    assert {(a.table, a.action, a.reason): a.records for a in run.acted} == {
        (o.table, action, reason): n
        for o in result.tables
        for action, reasons in o.acted.items()
        for reason, n in reasons.items()
    }
    assert run.checks is None  # run without the flow: no summary.json, and no pretending


def test_a_run_page_links_its_data_docs_and_its_documents_by_sha256(
    demo_dashboard: DemoDashboard,
) -> None:
    run = demo_dashboard.runs[0]
    folder = output_dir(demo_dashboard.policy_path) / f"2026-11-10-{run.run_id}"
    page = Page(run_page(demo_dashboard.site, str(run.run_id)))
    targets = page.local_targets()
    assert (folder / "validation" / "data-docs" / "index.html").resolve() in targets
    summary = json_files.read(folder / SUMMARY, RunSummary)
    checks = page.tables["checks"]
    assert len(checks) == len(summary.validation) > 0
    assert all(row[2] == "passed" for row in checks)

    listed = json_files.read(folder / "documents" / INDEX, DocumentsIndex)
    shown = {row[3]: row[4] for row in page.tables["documents"]}
    assert shown == {d.file: d.sha256 for d in listed.documents}
    assert any(name.endswith(".pdf") for name in shown)  # the act, as the flow issues it
    for name, digest in shown.items():
        path = (folder / "documents" / name).resolve()
        assert path in targets
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_the_backlog_page_shows_the_plan_as_of_its_day(demo_dashboard: DemoDashboard) -> None:
    policy = demo_dashboard.policy
    plan = build_plan(policy, AsOf.end_of_day(TODAY, policy.operator.timezone))
    page = Page(demo_dashboard.site / "backlog.html")
    # store.table, rows, due, then the days-left buckets (overdue first), ...
    rows = {row[0]: [number(cell) for cell in row[1:8]] for row in page.tables["backlog"]}
    for t in plan.tables:
        total, due, overdue, *later = rows[f"{t.store}.{t.table}"]
        assert (total, due, overdue) == (t.rows_total, t.due, t.overdue)
        assert overdue + sum(later) == due
    assert sum(t.overdue for t in plan.tables) > 0 and sum(t.due for t in plan.tables) > 0


def test_the_requests_page_counts_the_register(demo_dashboard: DemoDashboard) -> None:
    with register.connect(demo_dashboard.policy, write=False) as connection:
        requests = register.load_all(connection)
    page = Page(demo_dashboard.site / "requests.html")
    per_status = {row[0].replace(" ", "_"): number(row[-1]) for row in page.tables["by-status"]}
    assert per_status == collections.Counter(r.status for r in requests)
    waiting = {row[0] for row in page.tables["waiting"]}
    assert waiting == {r.request_id for r in requests if r.open or r.status == "needs_review"}
    assert waiting  # the demo's update request waits for approval


def test_the_discovery_page_shows_the_kept_scans_and_the_latest_verdicts(
    demo_dashboard: DemoDashboard,
) -> None:
    from pdpipe.discovery.record import latest_findings, policy_history

    scans = policy_history(demo_dashboard.policy)
    latest = latest_findings(demo_dashboard.policy)
    page = Page(demo_dashboard.site / "discovery.html")

    assert [number(row[-1]) for row in page.tables["scans"]] == [1, 1]  # newest first
    assert len(scans) == 2
    # The demo's CRM notes hold phones and e-mails its policy does not name.
    assert [row[:2] for row in page.tables["undeclared"]] == [
        ["crm.interactions.note", "email, phone"]
    ]
    declared = {row[0] for row in page.tables["declared"]}
    assert declared == {f"{v.store}.{v.table}.{v.column}" for v in latest} - {
        "crm.interactions.note"
    }
    assert "mailing.subscribers.email" in declared


def test_a_policy_never_run_gets_a_dashboard_that_says_so(tmp_path: Path) -> None:
    demo = build_demo(tmp_path, subjects=50, seed=2, as_of=DEMO_DAY)
    index = build_dashboard(load_policy(demo.policy_path), tmp_path / "site", today=DEMO_DAY)
    text = index.read_text(encoding="utf-8")
    assert "No runs yet" in text
    assert not (tmp_path / "site" / "runs").exists()
    assert "The request register is empty" in (tmp_path / "site" / "requests.html").read_text(
        encoding="utf-8"
    )
    assert "No discovery scan is kept yet" in (tmp_path / "site" / "discovery.html").read_text(
        encoding="utf-8"
    )
    backlog = Page(tmp_path / "site" / "backlog.html")
    assert sum(number(row[2]) for row in backlog.tables["backlog"]) > 0  # due, not yet run


def test_the_command_writes_the_site_where_asked_and_refuses_a_bad_date(
    demo_dashboard: DemoDashboard, tmp_path: Path
) -> None:
    policy = str(demo_dashboard.policy_path)
    built = pdpipe("report", "dashboard", policy, "--out", str(tmp_path / "site"))
    assert built.returncode == 0, built.stderr
    assert f"dashboard: {tmp_path / 'site' / 'index.html'}" in built.stdout
    assert all((tmp_path / "site" / name).is_file() for name in PAGES)

    refused = pdpipe("report", "dashboard", policy, "--as-of", "2027-02-30")
    assert refused.returncode == 2
    assert "--as-of: expected a date YYYY-MM-DD, got '2027-02-30'" in refused.stderr

    missing = pdpipe("report", "dashboard", str(tmp_path / "nowhere.yaml"))
    assert missing.returncode == 2 and "nowhere.yaml" in missing.stderr
