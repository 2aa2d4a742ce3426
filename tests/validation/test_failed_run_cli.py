"""`pdpipe run` with an operator broken on purpose (it leaves emails in place): exit 1,
a message naming the table and the check, and not one email in the terminal output, the
run's folder, or the Prefect server's database that holds the run's logs and artifacts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pdpipe.report.formats import RunSummary
from tests.execute.builders import POLICY, PSEUDONYM_KEY, dump, leads, populate
from tests.validation import broken

REPO = Path(__file__).resolve().parents[2]
# The pdpipe CLI, in a process that first registers the broken operator.
CLI_WITH_BROKEN_OPERATOR = (
    "import sys; from tests.validation import broken; broken.ensure_registered(); "
    "from pdpipe.cli import main; sys.argv = ['pdpipe', *sys.argv[1:]]; main()"
)


def test_when_an_operator_leaves_emails_then_pdpipe_run_exits_1_without_copying_one(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url)
    emails = {str(row["email"]) for row in dump(url, leads).values()}
    policy = tmp_path / "policy.yaml"
    policy.write_text(broken.policy_leaving_emails(POLICY.format(url=url)), encoding="utf-8")
    prefect_home = tmp_path / "prefect"
    runs = tmp_path / "runs"
    env = {
        **os.environ,
        "COLUMNS": "200",
        "PDPIPE_TEST_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "PDPIPE_OUTPUT_DIR": str(runs),
        "PDPIPE_PREFECT_CONSOLE": "1",  # Prefect's own console logs too, at DEBUG
        "PREFECT_LOGGING_LEVEL": "DEBUG",
        "PREFECT_HOME": str(prefect_home),
    }
    failed = subprocess.run(
        [
            sys.executable,
            "-c",
            CLI_WITH_BROKEN_OPERATOR,
            "run",
            str(policy),
            "--as-of",
            "2026-11-19",
            "--allow-large",
            "--json",
            "--prefect",  # as a flow run: the Prefect server's database is searched too
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env=env,
    )
    assert failed.returncode == 1, failed.stdout[-3000:] + failed.stderr[-3000:]
    assert (
        "store.leads: no email, phone or full name left in depersonalized records" in failed.stderr
    )
    # A script reading --json learns what was done.
    summary = RunSummary.model_validate_json(failed.stdout)
    assert summary.status == "failed_validation"
    assert summary.acted > 0
    leaks_found = [c for c in summary.validation if not c.success]
    assert [(c.table, c.check) for c in leaks_found] == [
        ("leads", "no email, phone or full name left in depersonalized records")
    ]
    (folder,) = runs.glob("2026-11-19-*")
    assert (folder / "validation" / "data-docs" / "index.html").exists()
    databases = list(prefect_home.rglob("*.db"))
    assert databases, "the Prefect server kept its database elsewhere: nothing was searched"
    written = [p for p in [*folder.rglob("*"), *prefect_home.rglob("*")] if p.is_file()]
    terminal = (failed.stdout + failed.stderr).encode()
    leaked = sorted(
        email
        for email in emails
        if email.encode() in terminal or any(email.encode() in p.read_bytes() for p in written)
    )
    assert leaked == []
    assert any(
        b"failed_validation" in p.read_bytes() or b"FAILED" in p.read_bytes() for p in written
    )
