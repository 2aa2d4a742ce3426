"""The job's validation: Great Expectations imported while the run works
(validation/preload.py), every store's checkpoint at once (checks.py)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.demo import build_demo
from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_job
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.validation import preload
from pdpipe.validation.checks import validate_policy
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy

DEMO_DAY = dt.date(2026, 11, 25)
OVERDUE = "no record past its statutory deadline remains un-acted"


def test_when_the_stores_are_checked_at_once_then_each_check_is_its_stores(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_PSEUDONYM_KEY", "demo-only")
    monkeypatch.setenv("PDPIPE_CONTACT_KEY", "demo-contact")
    url = None if store_url.startswith("sqlite") else store_url  # SQLite: a file per store
    demo = build_demo(tmp_path, subjects=300, seed=3, url=url, as_of=DEMO_DAY)
    policy = load_policy(demo.policy_path)
    as_of = AsOf.end_of_day(DEMO_DAY, policy.operator.timezone)
    result = run_job(policy, RunOptions(as_of=as_of, allow_large=True), report=False)
    assert result.validation is not None and result.validation.success
    assert {c.store for c in result.validation.checks} == {"mailing", "crm"}

    crm = next(s for s in policy.stores if s.name == "crm")
    engine = sa.create_engine(crm.url)
    with engine.begin() as connection:  # one contact past its term, behind the run's back
        first = connection.execute(sa.text("SELECT MIN(id) FROM contacts")).scalar_one()
        connection.execute(
            sa.text("UPDATE contacts SET updated_at = :old WHERE id = :k"),
            {"old": dt.datetime(2015, 1, 1), "k": first},
        )
    engine.dispose()
    report = validate_policy(policy, as_of, tmp_path / "validation")
    assert [(c.store, c.table, c.check, c.unexpected) for c in report.failed] == [
        ("crm", "contacts", OVERDUE, 1)
    ]
    mailing = [c for c in report.checks if c.store == "mailing"]
    assert mailing and all(c.success for c in mailing)
    assert report.data_docs is not None and report.data_docs.exists()
    pages = (tmp_path / "validation" / "data-docs").rglob("*.html")
    suites = {part for page in pages for part in page.parts}
    assert {"pdpipe-mailing-subscribers", "pdpipe-crm-contacts"} <= suites


def test_when_great_expectations_cannot_be_imported_then_the_validation_step_says_so(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The import begun on a thread fails there; the checks import it again after the
    # run and raise its error, as when they imported it themselves.
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    url = store_url
    populate(url, people_count=30, leads_count=30)
    policy = load_policy(write_policy(tmp_path, url))
    monkeypatch.setitem(sys.modules, "great_expectations", None)  # import raises
    monkeypatch.setattr(preload, "_thread", None)
    as_of = AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty")
    with pytest.raises(ImportError, match="great_expectations"):
        run_job(policy, RunOptions(as_of=as_of, allow_large=True), report=False)
    assert preload._thread is not None and not preload._thread.is_alive()  # it was tried
    engine = sa.create_engine(url)
    with engine.connect() as connection:  # the run before it did its work
        ledger = connection.execute(sa.text("SELECT COUNT(*) FROM pdpipe_ledger")).scalar_one()
    engine.dispose()
    assert ledger > 0
