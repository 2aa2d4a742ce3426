"""`-v`, `-vv`, `-q` and `--log-file`: pdpipe's log records where the user asked for
them, timestamped in the file, and never a value read from a store."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from tests.cli import run_main
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, dump, leads, people, populate
from tests.execute.builders import write_policy as write_test_policy

STAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} (INFO|DEBUG|WARNING) pdpipe\.")


@pytest.fixture
def policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=120, leads_count=90)
    return write_test_policy(tmp_path, url)


def _canaries(policy: Path) -> set[str]:
    """Every personal value in the store before the run."""
    url = f"sqlite:///{policy.parent}/store.db"
    values: set[str] = set()
    for row in dump(url, people).values():
        values |= {row["email"], row["full_name"]}
    for row in dump(url, leads).values():
        values |= {row["email"], row["email"].lower(), row["last_name"], row["phone"]}
    return values


def test_a_verbose_run_logs_its_steps_to_the_file_and_stderr_and_no_value(
    policy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    canaries = _canaries(policy)
    log_file = tmp_path / "pdpipe.log"
    log_file.write_text("an earlier line\n", encoding="utf-8")
    code, stdout, stderr = run_main(
        monkeypatch,
        capsys,
        *("-vv", "--log-file", str(log_file), "run", str(policy)),
        *("--as-of", AS_OF_DAY.isoformat(), "--allow-large"),
    )
    assert code == 0, stderr
    logged = log_file.read_text(encoding="utf-8").splitlines()
    assert logged[0] == "an earlier line"  # appended to, never truncated
    assert all(STAMPED.match(line) for line in logged[1:]), logged
    assert any(" INFO pdpipe.job: run " in line for line in logged)
    assert any(" DEBUG pdpipe.job: step validate: done in " in line for line in logged)
    assert any(" INFO pdpipe.validation: validated store: " in line for line in logged)
    assert "INFO pdpipe.job: run " in stderr and "DEBUG pdpipe.job: step plan" in stderr
    everything = "\n".join([*logged, stdout, stderr])
    assert "acted on" in everything  # what was done is there, counted
    assert sorted(c for c in canaries if c in everything) == []
    assert "canary" not in everything.lower() and "Канарейкин" not in everything
    assert not [h for h in logging.getLogger("pdpipe").handlers if hasattr(h, "baseFilename")]


def test_without_v_stderr_has_no_info_records_and_with_v_no_debug(
    policy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("plan", str(policy), "--as-of", AS_OF_DAY.isoformat())
    code, _, stderr = run_main(monkeypatch, capsys, *args)
    assert code == 0 and stderr == ""
    code, _, stderr = run_main(
        monkeypatch, capsys, "-v", "run", str(policy), "--as-of", "2026-11-25", "--allow-large"
    )
    assert code == 0
    assert "INFO pdpipe." in stderr and "DEBUG" not in stderr


@pytest.mark.parametrize("where", ["missing-folder/pdpipe.log", "a-folder"])
def test_a_log_file_that_cannot_be_opened_is_bad_input_named(
    where: str,
    policy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "a-folder").mkdir()
    before = (tmp_path / "store.db").read_bytes()
    target = tmp_path / where
    code, stdout, stderr = run_main(
        monkeypatch, capsys, "--log-file", str(target), "run", str(policy), "--allow-large"
    )
    assert code == 2
    assert f"--log-file: cannot append to {target}" in stderr
    assert stdout == ""
    assert (tmp_path / "store.db").read_bytes() == before  # nothing ran


def test_quiet_keeps_results_and_json_and_drops_informational_lines(
    policy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run_main(monkeypatch, capsys, "run", str(policy), "--as-of", "2026-11-25", "--allow-large")
    args = ("validate", str(policy), "--as-of", "2026-11-25", "--out", str(tmp_path / "v"))
    code, talkative, _ = run_main(monkeypatch, capsys, *args)
    assert code == 0 and "Data Docs:" in talkative
    code, quiet, stderr = run_main(monkeypatch, capsys, "-q", *args)
    assert code == 0 and stderr == ""
    assert "Data Docs:" not in quiet
    assert "key id is unique" in quiet  # the result: the table of checks
    code, as_json, _ = run_main(monkeypatch, capsys, "--quiet", *args, "--json")
    assert code == 0 and as_json.startswith("{") and '"pdpipe.validate/1"' in as_json


def test_the_host_process_still_receives_pdpipe_records(
    policy: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An embedding process (or a test's caplog) keeps seeing pdpipe's records at the
    level it asked for, whatever the terminal shows."""
    caplog.set_level(logging.DEBUG)
    args = ("run", str(policy), "--as-of", "2026-11-25", "--allow-large")
    code, _, stderr = run_main(monkeypatch, capsys, *args)
    assert code == 0 and stderr == ""
    assert any(r.name == "pdpipe.job" and r.levelno == logging.INFO for r in caplog.records)
    assert any(r.name == "pdpipe.job" and r.levelno == logging.DEBUG for r in caplog.records)
    assert logging.getLogger("pdpipe").level == logging.NOTSET  # given back as it was
