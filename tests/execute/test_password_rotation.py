"""A store password is a secret, not policy: rotating it between a killed run and its
resumption continues the same run, and no digest of it is kept in the run's record."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from pdpipe.execute.runner import policy_hash
from pdpipe.policy import parse_policy
from pdpipe.stores import tables
from tests.execute.builders import AS_OF_DAY, POLICY, PSEUDONYM_KEY, populate, write_policy

BATCH = 20
PASSWORD = "PDPIPE_TEST_PG_PASSWORD"


def policy_text(url: str) -> str:
    return POLICY.format(url=url)


def hashed(url: str) -> str:
    return policy_hash(parse_policy(policy_text(url), Path("policy.yaml"), {}))


def test_the_policy_hash_leaves_passwords_out_and_keeps_where_the_store_is() -> None:
    base = "postgresql+psycopg://crm:{}@db.internal:5432/crm"
    assert hashed(base.format("old-secret")) == hashed(base.format("new-secret"))
    assert hashed(base.format("old")) == hashed("postgresql+psycopg://crm@db.internal:5432/crm")
    in_query = "postgresql+psycopg://crm@db.internal/crm?sslmode=require&password={}"
    assert hashed(in_query.format("a")) == hashed(in_query.format("b"))
    assert hashed(base.format("x")) != hashed(base.format("x").replace("/crm", "/other"))
    assert hashed(base.format("x")) != hashed(base.format("x").replace("db.internal", "db2"))


def test_a_policy_without_passwords_hashes_as_before() -> None:
    """Runs left unfinished by the previous version still resume."""
    policy = parse_policy(policy_text("sqlite:////tmp/store.db"), Path("policy.yaml"), {})
    assert policy_hash(policy) == hashlib.sha256(policy.model_dump_json().encode()).hexdigest()


def _batches_done(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(tables.progress.name):
                return 0
            done = connection.execute(sa.select(sa.func.sum(tables.progress.c.batches))).scalar()
            return int(done or 0)
    finally:
        engine.dispose()


def _runs(url: str) -> list[tuple[str, str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            query = sa.select(tables.runs.c.run_id, tables.runs.c.status, tables.runs.c.policy_hash)
            return [tuple(row) for row in connection.execute(query)]
    finally:
        engine.dispose()


def test_when_the_password_is_rotated_between_a_killed_run_and_its_resumption_then_it_resumes(
    pg_url: str, tmp_path: Path
) -> None:
    # PostgreSQL trusts the tests' connections: any password opens them, as a rotated one
    # opens a real server.
    populate(pg_url, people_count=3000, leads_count=1500)
    written = (
        sa.engine.make_url(pg_url)
        .set(password="PLACEHOLDER")
        .render_as_string(hide_password=False)
        .replace("PLACEHOLDER", "${" + PASSWORD + "}")
    )
    policy_path = write_policy(tmp_path, written)

    command = [sys.executable, "-m", "tests.execute.run_job", str(policy_path)]

    def job(password: str) -> subprocess.Popen[str]:
        """The run in a process of its own, the store's password in its environment."""
        return subprocess.Popen(
            [*command, str(AS_OF_DAY), str(BATCH)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parents[2],
            env={**os.environ, "PDPIPE_TEST_PSEUDONYM_KEY": PSEUDONYM_KEY, PASSWORD: password},
        )

    killed = job("old-secret")
    deadline = time.monotonic() + 120
    while _batches_done(pg_url) < 3:
        assert killed.poll() is None, killed.communicate()
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.01)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    ((run_id, status, digest),) = _runs(pg_url)
    assert status == "running"

    out, err = (resumed := job("new-secret")).communicate(timeout=300)

    assert resumed.returncode == 0, err
    assert "resumed True" in out
    assert _runs(pg_url) == [(run_id, "completed", digest)]  # one run, continued
