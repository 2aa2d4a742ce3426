"""PDPIPE_* variables are read through one settings model: a malformed value stops the
command with an error naming the variable (exit 2), instead of a silent default."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdpipe.errors import BadInput
from pdpipe.settings import output_dir, retry_delays
from tests.cli import run_main
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy


def test_retry_delays_are_comma_separated_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PDPIPE_RETRY_DELAYS", raising=False)
    assert retry_delays() == [2.0, 10.0, 30.0]
    monkeypatch.setenv("PDPIPE_RETRY_DELAYS", " 0.5, 4 ,")
    assert retry_delays() == [0.5, 4.0]
    monkeypatch.setenv("PDPIPE_RETRY_DELAYS", "")
    assert retry_delays() == []  # no retries


@pytest.mark.parametrize("value", ["2,ten,30", "-1", "5000", ",".join(["1"] * 11)])
def test_a_malformed_retry_delay_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PDPIPE_RETRY_DELAYS", value)
    with pytest.raises(BadInput, match=r"^malformed environment variable: PDPIPE_RETRY_DELAYS"):
        retry_delays()


def test_the_output_folder_defaults_to_runs_beside_the_policy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PDPIPE_OUTPUT_DIR", raising=False)
    assert output_dir(tmp_path / "policy.yaml") == tmp_path / "runs"
    monkeypatch.setenv("PDPIPE_OUTPUT_DIR", str(tmp_path / "elsewhere"))
    assert output_dir(tmp_path / "policy.yaml") == tmp_path / "elsewhere"


def test_pdpipe_run_refuses_a_malformed_variable_before_it_changes_anything(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=20, leads_count=10)
    before = (tmp_path / "store.db").read_bytes()
    policy = write_policy(tmp_path, url)
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("PDPIPE_RETRY_DELAYS", "2;10")
    code, _, err = run_main(monkeypatch, capsys, "run", str(policy), "--as-of", str(AS_OF_DAY))
    assert code == 2
    assert "PDPIPE_RETRY_DELAYS" in err
    assert (tmp_path / "store.db").read_bytes() == before
