"""`pdpipe validate`: GX checks pass after a good run, fail with exit 1 naming the table
and the check after a broken one, and never copy a checked value anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy

CANARIES = ["canary.left@mail.ru", "+7 916 123-45-67", "Канарейкин Пётр"]


def _validate(policy: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pdpipe.cli",
            "validate",
            str(policy),
            "--as-of",
            AS_OF_DAY.isoformat(),
            "--out",
            out.name,  # relative, as a user types it (GX's Data Docs want absolute ones)
        ],
        cwd=out.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "COLUMNS": "200", "PDPIPE_TEST_PSEUDONYM_KEY": PSEUDONYM_KEY},
    )


def test_when_an_operator_left_pd_then_validation_fails_without_copying_it(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=100, leads_count=120)
    policy_path = write_policy(tmp_path, store_url)
    run_policy(
        load_policy(policy_path),
        RunOptions(as_of=AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty"), allow_large=True),
    )
    good = _validate(policy_path, tmp_path / "good")
    assert good.returncode == 0, good.stdout + good.stderr
    assert (tmp_path / "good" / "data-docs" / "index.html").exists()

    engine = sa.create_engine(store_url)
    with engine.begin() as connection:  # as if the operators had left values in place
        keys = sorted(
            connection.execute(
                sa.text("SELECT record_key FROM pdpipe_state WHERE state = 'depersonalized'")
            ).scalars()
        )[:3]
        for key, (column, value) in zip(
            keys,
            [("email", CANARIES[0]), ("phone", CANARIES[1]), ("last_name", CANARIES[2])],
            strict=True,
        ):
            connection.execute(
                sa.text(f"UPDATE leads SET {column} = :v WHERE lead_id = :k"),
                {"v": value, "k": key},
            )
    engine.dispose()
    bad = _validate(policy_path, tmp_path / "bad")
    assert bad.returncode == 1
    assert (
        "store.leads: no email, phone or full name left in depersonalized records (3 record(s))"
        in bad.stderr
    )
    written = "".join(
        p.read_text(errors="replace") for p in (tmp_path / "bad").rglob("*") if p.is_file()
    )
    assert "FAILED" in bad.stdout and written
    for canary in CANARIES:
        assert canary not in bad.stdout + bad.stderr + written
    assert not list((tmp_path / "bad").rglob("great_expectations.yml"))  # no URL on disk


def test_when_a_check_fails_on_a_database_error_then_its_message_is_withheld(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL quotes the value a cast failed on; neither it nor the URL's password
    reaches the results, the Data Docs or the terminal."""
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    password = "canary-password-731"  # trust authentication: any password is accepted
    url = sa.engine.make_url(pg_url).set(password=password).render_as_string(hide_password=False)
    populate(url, people_count=60, leads_count=60)
    policy_path = write_policy(tmp_path, url)
    result = run_policy(
        load_policy(policy_path),
        RunOptions(as_of=AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty"), allow_large=True),
    )
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # a ledger row whose key is a value, not a key
        connection.execute(
            sa.text(
                "INSERT INTO pdpipe_ledger (seq, run_id, store, table_name, record_key, action,"
                " reason, legal_basis, categories, acted_at, prev_hash, row_hash) VALUES"
                " (999999, :run, 'store', 'people', :key, 'destroy', 'consent_withdrawn', '-',"
                " '-', now(), '-', '-')"
            ),
            {"run": result.run_id, "key": CANARIES[0]},
        )
    engine.dispose()
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "pdpipe.cli",
            "validate",
            str(policy_path),
            "--as-of",
            AS_OF_DAY.isoformat(),
            "--run",
            result.run_id or "",
            "--out",
            str(tmp_path / "bad"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "COLUMNS": "200", "PDPIPE_TEST_PSEUDONYM_KEY": PSEUDONYM_KEY},
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert (
        "store.people: the run's ledger rows equal the changes made (the check could not run)"
        in bad.stderr
    )
    written = "".join(
        p.read_text(errors="replace") for p in (tmp_path / "bad").rglob("*") if p.is_file()
    )
    assert "could not run: sqlalchemy.exc.DataError" in written  # the kind, in Data Docs
    for secret in (CANARIES[0], password):
        assert secret not in bad.stdout + bad.stderr + written
