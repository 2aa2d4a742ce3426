"""A scan kept in the stores: the columns it found undeclared PD in are checked after
every run, until the policy names them. A CRM's tickets hold phones and e-mails the
policy forgot; the customers they are about get depersonalized."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

import pdpipe
from pdpipe.discovery.compare import Status
from pdpipe.discovery.record import findings_of, history, latest_undeclared
from pdpipe.errors import RunFailed
from pdpipe.validation.suites import FLAGGED_CHECK
from tests.cli import run_main
from tests.discovery.tickets import AS_OF, DUE, make_store, write_policy


@pytest.fixture
def store(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("PDPIPE_OUTPUT_DIR", raising=False)
    make_store(store_url)
    return store_url


def _undeclared(url: str) -> dict[str, list[str]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = latest_undeclared(connection, "crm")
    engine.dispose()
    return found


def test_a_kept_scan_makes_validation_look_for_pd_in_the_columns_it_flagged(
    store: str, tmp_path: Path
) -> None:
    policy = write_policy(store, tmp_path, declared=False)

    report = pdpipe.scan(policy)

    assert report.scan_id is not None
    assert [(v.table, v.column) for v in report.undeclared] == [("tickets", "body")]
    assert _undeclared(store) == {"tickets": ["body"]}
    with pytest.raises(RunFailed):  # the depersonalized customers' tickets keep their PD
        pdpipe.run(policy, as_of=AS_OF, allow_large=True)
    checked = pdpipe.validate(policy, as_of=AS_OF, out=tmp_path / "checks")
    assert [(c.table, c.check, c.unexpected) for c in checked.failed] == [
        ("customers", FLAGGED_CHECK, DUE)
    ]


def test_without_a_kept_scan_the_forgotten_column_goes_unchecked(
    store: str, tmp_path: Path
) -> None:
    """What the issue measured: PD left in undeclared notes, and validation passing."""
    policy = write_policy(store, tmp_path, declared=False)

    report = pdpipe.scan(policy, record=False)
    result = pdpipe.run(policy, as_of=AS_OF, allow_large=True)

    assert report.scan_id is None and report.undeclared
    assert result.acted == DUE and result.checks_failed == 0
    assert FLAGGED_CHECK not in {c.check for c in result.validation.checks}  # type: ignore[union-attr]


def test_once_the_policy_names_the_column_the_next_scan_clears_it_and_the_run_scrubs_it(
    store: str, tmp_path: Path
) -> None:
    pdpipe.scan(write_policy(store, tmp_path, declared=False))
    policy = write_policy(store, tmp_path, declared=True)

    report = pdpipe.scan(policy)
    result = pdpipe.run(policy, as_of=AS_OF, allow_large=True)

    assert not report.undeclared and _undeclared(store) == {}
    assert result.acted == DUE and result.checks_failed == 0
    engine = sa.create_engine(store)
    with engine.connect() as connection:
        scans = history(connection)
        kept = findings_of(connection, scans[-1].scan_id)
    engine.dispose()
    assert [s.undeclared for s in scans] == [1, 0]
    assert [(v.table, v.column, v.status) for v in kept] == [
        ("customers", "email", Status.DECLARED),
        ("tickets", "body", Status.DECLARED),
    ]


def test_the_cli_keeps_the_scan_unless_told_to_only_look(
    store: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_policy(store, tmp_path, declared=False)
    path = str(tmp_path / "policy.yaml")

    looked = run_main(monkeypatch, capsys, "scan", path, "--no-record", "--json")
    kept = run_main(monkeypatch, capsys, "scan", path, "--json")

    assert looked[0] == 1 and json.loads(looked[1])["scan_id"] is None
    assert kept[0] == 1 and json.loads(kept[1])["scan_id"]
    engine = sa.create_engine(store)
    with engine.connect() as connection:
        assert len(history(connection)) == 1
    engine.dispose()
