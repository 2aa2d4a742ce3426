"""End to end, as a data engineer deploys pdpipe: a real Prefect server on a loopback
port, `pdpipe serve`, a deployment run triggered through the API against PostgreSQL,
and the artifacts read back through the API client."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings

from tests.execute.builders import PSEUDONYM_KEY, dump, leads, people, populate, write_policy

VENV_BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until(check: Any, seconds: float, what: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what}: the process exited with {process.returncode}")
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{what}: not ready after {seconds} s")


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        _wait_until(
            lambda: urllib.request.urlopen(f"{url}/health", timeout=2).status == 200,
            120,
            "prefect server",
            server,
        )
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_when_served_and_triggered_then_the_run_completes_with_artifacts(
    prefect_server: str, pg_url: str, tmp_path: Path
) -> None:
    populate(pg_url)
    canaries = {r["email"] for r in dump(pg_url, people).values()}
    canaries |= {r["phone"] for r in dump(pg_url, leads).values()}
    policy = write_policy(tmp_path, pg_url)
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_server,
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "PDPIPE_TEST_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "PDPIPE_OUTPUT_DIR": str(tmp_path / "runs"),
    }
    serve_log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [str(VENV_BIN / "pdpipe"), "serve", str(policy)],
        stdout=serve_log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        with temporary_settings({PREFECT_API_URL: prefect_server}):
            deployment = _deployment_when_ready(serve)
            schedule = deployment.schedules[0].schedule
            assert (schedule.cron, schedule.timezone) == ("0 2 * * *", "Asia/Almaty")
            parameters = {
                "parameters": {
                    "policy_path": str(policy),
                    "as_of": "2026-11-25",
                    "allow_large": True,
                    "partitions": 2,
                }
            }
            run: Any = run_deployment(
                "pdpipe-retention/nightly", parameters=parameters, timeout=240
            )
            assert run.state is not None and run.state.is_completed(), run.state
            assert run.name == "retention-2026-11-25"
            table, report = asyncio.run(_artifacts())
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    rows = {row["table"]: row for row in table}
    assert rows["people"]["destroy"] == 80 and rows["people"]["overdue_after"] == 0
    assert "all deadlines met" in report
    published = str(table) + report
    assert sorted(c for c in canaries if c in published) == []
    assert not [r for r in dump(pg_url, people).values() if r["status"] == "withdrawn"]


def _deployment_when_ready(serve: subprocess.Popen[bytes]) -> Any:
    async def read() -> Any:
        async with get_client() as client:
            return await client.read_deployment_by_name("pdpipe-retention/nightly")

    found: list[Any] = []

    def ready() -> bool:
        found.append(asyncio.run(read()))
        return True

    _wait_until(ready, 120, "pdpipe serve", serve)
    return found[-1]


async def _artifacts() -> tuple[list[dict[str, Any]], str]:
    async with get_client() as client:
        table = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["pdpipe-retention-summary"]))
        )
        report = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["pdpipe-retention-report"]))
        )
    data: Any = table[0].data
    rows: list[dict[str, Any]] = json.loads(data) if isinstance(data, str) else data
    return rows, str(report[0].data)


def test_when_deployed_to_a_work_pool_then_a_worker_runs_it(
    prefect_server: str, pg_url: str, tmp_path: Path
) -> None:
    populate(pg_url)
    policy = write_policy(tmp_path, pg_url)
    project = Path(__file__).parents[2]
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_server,
        "PDPIPE_PROJECT_DIR": str(project),
        "PDPIPE_POLICY": str(policy),
        "PDPIPE_TEST_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "PDPIPE_OUTPUT_DIR": str(tmp_path / "runs"),
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }

    def prefect(*args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [str(VENV_BIN / "prefect"), *args],
            env=env,
            cwd=project,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    prefect("work-pool", "create", "pdpipe", "--type", "process")
    prefect("--no-prompt", "deploy", "--all")
    listed = prefect("deployment", "ls")
    assert "pdpipe-retention/nightly" in listed and "pdpipe-integrity/weekly" in listed
    parameters = {
        "parameters": {"policy_path": str(policy), "as_of": "2026-11-25", "allow_large": True}
    }
    prefect("deployment", "run", "pdpipe-retention/nightly", "--params", json.dumps(parameters))
    prefect("worker", "start", "--pool", "pdpipe", "--run-once", timeout=240)
    assert list((tmp_path / "runs").glob("2026-11-25-*/summary.json"))
    assert not [r for r in dump(pg_url, people).values() if r["status"] == "withdrawn"]
