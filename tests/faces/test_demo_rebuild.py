"""`pdpipe demo --rebuild` starts with an empty runs folder: the previous build's runs,
documents, dashboard and access reports go, inside the demo's folder and nowhere else."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.demo.previous import clear_previous_build
from tests.cli import run_main

DAY = "2026-11-25"


@pytest.fixture(autouse=True)
def _keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDPIPE_PSEUDONYM_KEY", "demo-only-key")
    monkeypatch.setenv("PDPIPE_CONTACT_KEY", "demo-only-contact-key")
    monkeypatch.delenv("PDPIPE_OUTPUT_DIR", raising=False)


def _demo(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[str, str]:
    code, stdout, stderr = run_main(
        monkeypatch, capsys, "demo", "--subjects", "40", "--as-of", DAY, *args
    )
    assert code == 0, stderr
    return stdout, stderr


def _run_folders(runs: Path) -> set[str]:
    return {p.name for p in runs.iterdir() if p.name.startswith(DAY)}


def test_a_rebuild_starts_with_an_empty_runs_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = tmp_path / "demo"
    _demo(monkeypatch, capsys, "--dir", str(demo))
    runs = demo / "runs"
    first = _run_folders(runs)
    assert len(first) == 1 and (runs / "dashboard").is_dir()
    (demo / "access-reports").mkdir()
    (demo / "access-reports" / "report.html").write_text("earlier", encoding="utf-8")

    again, _ = _demo(monkeypatch, capsys, "--dir", str(demo))  # reused: nothing removed
    assert "removed" not in again and first <= _run_folders(runs)

    stdout, _ = _demo(monkeypatch, capsys, "--dir", str(demo), "--rebuild")
    removed = "removed the previous build's runs, documents, dashboard and access reports"
    assert f"{removed}: {runs}, {demo / 'access-reports'}" in stdout
    rebuilt = _run_folders(runs)
    assert len(rebuilt) == 1 and not rebuilt & first  # only the new build's run
    assert not (demo / "access-reports").exists()
    assert (demo / "policy.yaml").exists() and (demo / "mailing.db").exists()


def test_runs_outside_the_demo_folder_are_kept_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo, elsewhere = tmp_path / "demo", tmp_path / "my-runs"
    monkeypatch.setenv("PDPIPE_OUTPUT_DIR", str(elsewhere))
    _demo(monkeypatch, capsys, "--dir", str(demo))
    first = _run_folders(elsewhere)
    stdout, stderr = _demo(monkeypatch, capsys, "--dir", str(demo), "--rebuild")
    assert "removed" not in stdout
    assert f"warning: {elsewhere} holds the previous build's runs but is outside {demo}" in (
        " ".join(stderr.split())
    )
    assert first < _run_folders(elsewhere)  # kept, and the new run beside them


def test_a_folder_the_demo_did_not_build_is_never_cleared(tmp_path: Path) -> None:
    (tmp_path / "runs" / "2026-01-01-some-run").mkdir(parents=True)
    (tmp_path / "policy.yaml").write_text("version: 1\n", encoding="utf-8")
    cleared = clear_previous_build(tmp_path)
    assert cleared.removed == [] and (tmp_path / "runs" / "2026-01-01-some-run").is_dir()


def test_a_rebuild_into_a_server_database_starts_a_new_ledger(
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    demo = tmp_path / "demo"
    _demo(monkeypatch, capsys, "--dir", str(demo), "--url", pg_url)
    engine = sa.create_engine(pg_url)
    with engine.connect() as connection:
        runs_before = connection.execute(sa.text("SELECT run_id FROM pdpipe_runs")).scalars().all()
    stdout, _ = _demo(monkeypatch, capsys, "--dir", str(demo), "--url", pg_url, "--rebuild")
    assert "dropped pdpipe's tables of the previous build" in stdout and "pdpipe_ledger" in stdout
    with engine.connect() as connection:
        runs_after = connection.execute(sa.text("SELECT run_id FROM pdpipe_runs")).scalars().all()
    engine.dispose()
    assert len(runs_before) == len(runs_after) == 1 and runs_before != runs_after
    code, _, stderr = run_main(monkeypatch, capsys, "ledger", "verify", str(demo / "policy.yaml"))
    assert code == 0, stderr
