"""`pdpipe report verify` tells apart, on each database, a document that is as it was
issued, one edited since, one the ledger never saw (after `pdpipe demo --rebuild`, the
previous build's documents are of another ledger), and one that is gone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import Policy, load_policy
from pdpipe.report.documents.gather import Scope
from pdpipe.report.documents.issue import issue
from pdpipe.report.documents.verify import VerifyReport
from pdpipe.report.formats import INDEX
from pdpipe.retention.decide import AsOf
from pdpipe.stores import tables
from tests.cli import run_main
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy

ACT = "destruction-act.ru.html"
PDF = "destruction-act.ru.pdf"


def _issued(policy: Policy, folder: Path) -> list[str]:
    """A run of the policy, its documents issued into `folder`: their file names."""
    as_of = AsOf.end_of_day(AS_OF_DAY, policy.operator.timezone)
    result = run_policy(policy, RunOptions(as_of=as_of, allow_large=True))
    assert result.run_id is not None and result.acted > 0
    return [d.file for d in issue(policy, Scope(result.run_id), folder).documents]


@pytest.fixture
def policy_path(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=60, leads_count=45)
    return write_policy(tmp_path, store_url)


def _verify(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int | str | None, VerifyReport, str]:
    """`pdpipe report verify ARGS --json`: exit code, the report, stderr."""
    code, out, err = run_main(monkeypatch, capsys, "report", "verify", *args, "--json")
    return code, VerifyReport.model_validate_json(out), " ".join(err.split())


def _statuses(found: VerifyReport) -> dict[str, str]:
    return {Path(c.file).name: str(c.status) for c in found.documents}


def test_an_edited_a_missing_and_an_unknown_document_are_told_apart(
    policy_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "docs"
    files = _issued(load_policy(policy_path), folder)
    code, found, _ = _verify(monkeypatch, capsys, str(policy_path), str(folder))
    assert code == 0 and found.ok
    assert _statuses(found) == dict.fromkeys(files, "verified")

    act = folder / ACT
    act.write_text(act.read_text(encoding="utf-8").replace("1", "2", 1), encoding="utf-8")
    (folder / PDF).unlink()
    (folder / "forged-act.en.html").write_text("<p>all destroyed</p>", encoding="utf-8")
    code, found, err = _verify(monkeypatch, capsys, str(policy_path), str(folder))
    assert code == 1 and not found.ok
    assert _statuses(found) == {
        **dict.fromkeys(files, "verified"),
        ACT: "edited",
        PDF: "missing",
        "forged-act.en.html": "unknown",
    }
    assert {str(s): n for s, n in found.counts.items()} == {
        "verified": len(files) - 2,
        "edited": 1,
        "missing": 1,
        "unknown": 1,
    }
    edited = next(c for c in found.documents if c.status == "edited")
    assert edited.recorded_as == f"docs/{ACT}" and edited.sha256 != edited.recorded_sha256
    assert f"2 of {len(files) + 1} document(s) do not match the ledger" in err
    assert "(1 edited, 1 missing, 1 unknown)" in err

    code, _, err = run_main(monkeypatch, capsys, "report", "verify", str(policy_path), str(folder))
    err = " ".join(err.split())
    assert code == 1
    assert f"EDITED {act}: its SHA-256 is not the one the ledger recorded" in err
    assert f"MISSING {folder / PDF}: recorded (as docs/{PDF}), and the file is gone" in err
    assert f"UNKNOWN {folder / 'forged-act.en.html'}: neither this file nor its issue" in err

    # Writing the edited file's digest into the index does not make it the issued one:
    # the ledger's rows of that issue name the file with the digest it was issued with.
    index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    entry = next(d for d in index["documents"] if d["file"] == ACT)
    entry["sha256"] = edited.sha256
    # Nor does taking the lost file out of the index: the ledger still records it.
    index["documents"] = [d for d in index["documents"] if d["file"] != PDF]
    (folder / INDEX).write_text(json.dumps(index), encoding="utf-8")
    code, found, _ = _verify(monkeypatch, capsys, str(policy_path), str(folder))
    assert code == 1
    assert _statuses(found)[ACT] == "edited" and _statuses(found)[PDF] == "missing"


def test_documents_of_another_ledger_are_unknown_not_edited(
    store_url: str,
    policy_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """What `pdpipe demo --rebuild` does to the previous build's documents: the store and
    its ledger are made anew, the old run folders stay."""
    policy = load_policy(policy_path)
    before = _issued(policy, tmp_path / "runs" / "old" / "documents")
    engine = sa.create_engine(store_url)
    tables.metadata.drop_all(engine)
    engine.dispose()
    populate(store_url, people_count=60, leads_count=45)
    after = _issued(policy, tmp_path / "runs" / "new" / "documents")

    code, found, err = _verify(monkeypatch, capsys, str(policy_path), str(tmp_path / "runs"))
    assert code == 1
    assert [
        (Path(c.file).parent.parent.name, Path(c.file).name, c.status) for c in found.documents
    ] == [
        *(("new", name, "verified") for name in after),
        *(("old", name, "unknown") for name in before),
    ]
    assert all(
        c.recorded_as is None and c.recorded_sha256 == c.sha256
        for c in found.documents
        if c.status == "unknown"
    )
    assert all(ledger.ok for ledger in found.ledgers)
    assert (
        f"{len(before)} of {len(before) + len(after)} document(s) are unknown to this policy's "
        "ledgers, none edited or missing" in err
    )

    code, _, err = run_main(
        monkeypatch,
        capsys,
        "report",
        "verify",
        str(policy_path),
        str(tmp_path / "runs" / "old" / "documents" / ACT),
    )
    assert code == 1
    assert "though it matches its index.json" in " ".join(err.split())
    assert "EDITED" not in err and "edited after" not in err
