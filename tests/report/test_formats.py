"""The files a run leaves (summary.json, the documents' index.json) and the plan's JSON,
written and read through their models (report/formats.py, retention/plan_format.py):
what a run writes reads back whole, a file an earlier pdpipe wrote still reads, and a
hostile one is one clear error naming the file, exit 2, in bounded memory."""

from __future__ import annotations

import json
import re
import shutil
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from pdpipe import json_files
from pdpipe.errors import FormatError
from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_job
from pdpipe.policy import load_policy
from pdpipe.report.anchors import read_anchors
from pdpipe.report.dashboard.data import gather
from pdpipe.report.formats import INDEX, SUMMARY, DocumentsIndex, RunSummary, TableOutcome
from pdpipe.retention.decide import AsOf
from pdpipe.retention.plan_format import PlanJson
from tests.cli import run_main
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy

DOCS = Path(__file__).resolve().parents[2] / "docs"


@dataclass(frozen=True)
class Ran:
    policy_path: Path
    runs: Path
    summary: Path
    index: Path


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One nightly job on a SQLite store, made once: a folder with the store, the policy
    and the run's outputs (summary.json, documents/index.json)."""
    folder = tmp_path_factory.mktemp("formats")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
        env.delenv("PDPIPE_OUTPUT_DIR", raising=False)
        url = f"sqlite:///{folder}/store.db"
        populate(url, people_count=60, leads_count=45)
        policy = load_policy(write_policy(folder, url))
        as_of = AsOf.end_of_day(AS_OF_DAY, policy.operator.timezone)
        run_job(policy, RunOptions(as_of=as_of, allow_large=True), validate=False)
    return folder


@pytest.fixture
def ran(first_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Ran:
    """A copy of the first run's folder, for a test to spoil."""
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.delenv("PDPIPE_OUTPUT_DIR", raising=False)
    shutil.copytree(first_run, tmp_path, dirs_exist_ok=True)
    policy_path = write_policy(tmp_path, f"sqlite:///{tmp_path}/store.db")
    (summary,) = (tmp_path / "runs").glob(f"*/{SUMMARY}")
    return Ran(policy_path, tmp_path / "runs", summary, summary.parent / "documents" / INDEX)


def _keys(value: object, path: str = "") -> list[str]:
    """Every key of a JSON document, in order, lists' items as []."""
    if isinstance(value, dict):
        return [
            k for key, v in value.items() for k in (f"{path}.{key}", *_keys(v, f"{path}.{key}"))
        ]
    if isinstance(value, list):
        return [k for item in value for k in _keys(item, f"{path}[]")]
    return []


def test_what_a_run_writes_reads_back_whole_with_the_keys_it_always_had(ran: Ran) -> None:
    summary = json_files.read(ran.summary, RunSummary)
    index = json_files.read(ran.index, DocumentsIndex)
    assert summary.format == "pdpipe.run/1" and index.format == "pdpipe.documents/1"
    assert summary.acted > 0 and summary.stage == "documented" and summary.ledger_heads
    assert {d.file for d in index.documents} >= {"destruction-act.ru.pdf", "event-log-extract.csv"}
    # Written from the model, read by the model, dumped again: nothing lost on the way.
    for path, model in ((ran.summary, summary), (ran.index, index)):
        assert json.loads(model.model_dump_json()) == json.loads(path.read_text(encoding="utf-8"))
    # The keys of summary.json as the hand-written writer gave them, in its order.
    assert list(json.loads(ran.summary.read_text(encoding="utf-8"))) == [
        "format", "run_id", "as_of", "status", "resumed", "seconds", "acted", "tables",
        "overdue_before", "overdue_after", "plan_before", "plan_after", "errors",
        "validation", "stage", "ledger_heads", "documents_issued_late_for",
    ]  # fmt: skip
    assert list(json.loads(ran.index.read_text(encoding="utf-8"))) == [
        "format", "issue_id", "scope", "drawn_up", "records", "documents", "ledger_heads",
    ]  # fmt: skip


def test_the_plan_json_is_the_documented_one(
    ran: Ran, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_main(
        monkeypatch, capsys, "plan", str(ran.policy_path), "--as-of", "2027-12-31", "--json"
    )
    assert code == 0
    plan = PlanJson.model_validate_json(out)
    assert plan.format == "pdpipe.plan/1" and plan.totals.due > 0
    assert plan.model_dump_json(indent=2) + "\n" == out
    # Every key docs/cli.md shows in its example, and no other.
    example = (DOCS / "cli.md").read_text(encoding="utf-8").split("## `pdpipe plan --json`")[1]
    block = example.split("```jsonc")[1].split("```")[0]
    documented = set(re.findall(r'"(\w+)":', block))
    assert documented == {key.rsplit(".", 1)[-1] for key in _keys(json.loads(out))}


def test_the_run_json_keys_are_the_documented_ones(ran: Ran) -> None:
    example = (DOCS / "cli.md").read_text(encoding="utf-8").split("## `pdpipe run --json`")[1]
    block = example.split("```jsonc")[1].split("```")[0]
    top = re.findall(r'^  "(\w+)":', block, flags=re.M)
    assert sorted(top) == sorted(json.loads(ran.summary.read_text(encoding="utf-8")))


def _older(path: Path, drop: tuple[str, ...]) -> None:
    """The file as an earlier pdpipe wrote it: the same format id, later keys absent."""
    document = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(
        json.dumps({k: v for k, v in document.items() if k not in drop}, indent=2),
        encoding="utf-8",
    )


def test_files_an_earlier_pdpipe_wrote_still_read(ran: Ran) -> None:
    # summary.json before validation (68b5e8e) and before anchors (d80e5ae); index.json
    # before anchors: the same format id, fewer keys.
    _older(ran.summary, ("validation", "stage", "ledger_heads", "documents_issued_late_for"))
    _older(ran.index, ("ledger_heads",))
    summary = json_files.read(ran.summary, RunSummary)
    assert (summary.validation, summary.stage, summary.ledger_heads) == ([], None, {})
    assert json_files.read(ran.index, DocumentsIndex).ledger_heads == {}
    assert read_anchors(ran.runs) == []  # nothing anchored then, and no error


# (what the file holds, what the error says after the file's name)
HOSTILE = {
    "not_json": (b"summary, but not JSON", "not JSON (expected value at line 1 column 1)"),
    "not_utf8": (b"\xff\xfe{}", "not JSON"),
    "a_list": (b"[1, 2]", "expected a JSON object of format pdpipe.run/1"),
    "no_format": (b'{"run_id": "x"}', "no `format` field: expected pdpipe.run/1"),
    "a_newer_version": (
        b'{"format": "pdpipe.run/2"}',
        "format pdpipe.run/2 is a version this pdpipe does not read (it reads pdpipe.run/1)",
    ),
    "another_format": (b'{"format": "pdpipe.plan/1"}', "format pdpipe.plan/1, expected"),
    "a_format_of_garbage": (b'{"format": {"x": 1}}', "its `format` is not pdpipe.run/1"),
    "deeply_nested": (b'{"format": "pdpipe.run/1", "x": ' + b"[" * 5000, "not JSON"),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_a_hostile_summary_is_one_clear_error_naming_the_file(ran: Ran, case: str) -> None:
    content, expected = HOSTILE[case]
    ran.summary.write_bytes(content)
    with pytest.raises(FormatError) as caught:
        json_files.read(ran.summary, RunSummary)
    assert str(caught.value).startswith(f"{ran.summary}: ")
    assert expected in str(caught.value)


def test_wrong_types_are_named_by_their_place_never_by_their_value(ran: Ran) -> None:
    document = json.loads(ran.summary.read_text(encoding="utf-8"))
    document["acted"] = "canary.secret@mail.ru"
    document["tables"][0]["batches"] = 1.5
    del document["plan_before"]
    ran.summary.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(FormatError) as caught:
        json_files.read(ran.summary, RunSummary)
    message = str(caught.value)
    assert "not a valid pdpipe.run/1 file: acted: Input should be a valid integer" in message
    assert "tables[0].batches: Input should be a valid integer" in message
    assert "plan_before: Field required" in message
    assert "canary" not in message


def test_an_index_naming_a_file_outside_its_folder_is_refused(ran: Ran) -> None:
    document = json.loads(ran.index.read_text(encoding="utf-8"))
    document["documents"][0]["file"] = "../../policy.yaml"
    ran.index.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(FormatError, match=r"documents\[0\]\.file: expected the name of a file"):
        json_files.read(ran.index, DocumentsIndex)


def test_a_50_mb_file_is_refused_without_being_read(ran: Ran) -> None:
    with ran.summary.open("wb") as stream:
        stream.write(b'{"format": "pdpipe.run/1", "x": "')
        stream.write(b"a" * 50_000_000)
        stream.write(b'"}')
    tracemalloc.start()
    try:
        with pytest.raises(FormatError, match=r"larger than 16 MiB: not a pdpipe\.run/1 file"):
            json_files.read(ran.summary, RunSummary)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_ledger_verify_stops_on_a_hostile_anchor_with_exit_2(
    ran: Ran, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran.index.write_text('{"format": "pdpipe.documents/1", "documents": 5}', encoding="utf-8")
    code, _, err = run_main(
        monkeypatch, capsys, "ledger", "verify", str(ran.policy_path), "--anchors", str(ran.runs)
    )
    assert code == 2
    assert f"{ran.index}: not a valid pdpipe.documents/1 file" in " ".join(err.split())
    assert "Traceback" not in err


def test_the_dashboard_notes_a_hostile_summary_and_shows_the_rest(ran: Ran) -> None:
    ran.summary.write_bytes(b"\x00" * 100)
    policy = load_policy(ran.policy_path)
    (run,) = gather(policy, AsOf.end_of_day(AS_OF_DAY, policy.operator.timezone)).runs
    assert run.summary is None and run.checks is None
    assert run.notes == ["summary.json: not JSON (expected value at line 1 column 1): "
                         "expected pdpipe.run/1"]  # fmt: skip
    assert run.documents  # the documents' index is read all the same


def test_pdpipe_builds_from_numpy_counts_but_reads_only_exact_types(tmp_path: Path) -> None:
    built = TableOutcome(store="s", table="t", batches=np.int64(2), acted={"destroy": {}})
    assert built.model_dump_json() == '{"store":"s","table":"t","batches":2,"acted":{"destroy":{}}}'
    path = tmp_path / "plan.json"
    path.write_text(
        '{"format": "pdpipe.plan/1", "as_of": "2026-11-25", "as_of_instant": '
        '"2026-11-25T18:59:59Z", "jurisdiction": "RU-152FZ", "timezone": "Asia/Almaty", '
        '"totals": {"rows_total": "3", "due": 0, "overdue": 0}, "tables": []}',
        encoding="utf-8",
    )
    with pytest.raises(FormatError, match=r"totals\.rows_total: Input should be a valid integer"):
        json_files.read(path, PlanJson)
