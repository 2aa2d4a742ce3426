"""What the docs name must exist: the retention flow's tasks, and the deployments
`pdpipe serve` registers (their number too)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pytest
import typer.main
import yaml

from pdpipe.cli import app
from pdpipe.execute.runner import RunOptions
from pdpipe.job import LocalSteps, run_job
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from tests.deploy import files
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy

ROOT = files.ROOT
T = TypeVar("T")

# Where each doc lists the retention flow's tasks: (file, text before, text after).
TASK_LISTS = [
    ("README.md", "their tasks (", "retried with backoff"),
    ("docs/execution.md", "runs the same steps as tasks:", "A task that"),
    ("docs/deploy.md", "**Tasks** of `pdpipe-retention`:", "A task that"),
]
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


class RecordingSteps(LocalSteps):
    """The job's own steps, run in this process, remembering the name each step is given:
    the name PrefectSteps gives its task."""

    def __init__(self) -> None:
        super().__init__(threads=1)
        self.names: list[str] = []

    def run(self, name: str, work: Callable[..., T], *args: Any, retry: bool = False) -> T:
        self.names.append(name)
        return super().run(name, work, *args, retry=retry)

    def each(
        self, name: str, work: Callable[..., T], items: Sequence[Any], *args: Any
    ) -> list[T | BaseException]:
        self.names.append(name)
        return super().each(name, work, items, *args)


@pytest.fixture(scope="module")
def task_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every step of a real run that acts, validates and reports, on a SQLite store."""
    folder = tmp_path_factory.mktemp("tasks")
    url = f"sqlite:///{folder / 'store.db'}"
    populate(url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
        policy = load_policy(write_policy(folder, url))
        steps = RecordingSteps()
        as_of = AsOf.end_of_day(AS_OF_DAY, policy.operator.timezone)
        result = run_job(policy, RunOptions(as_of=as_of, allow_large=True), steps=steps)
    assert result.acted > 0, "a run that acts passes through every step"
    return set(steps.names)


def _listed(path: str, before: str, after: str) -> set[str]:
    text = (ROOT / path).read_text(encoding="utf-8")
    assert before in text, f"{path}: no {before!r}"
    start = text.index(before) + len(before)
    listing = text[start : text.index(after, start)]
    return set(re.findall(r"`([a-z][a-z-]*)`", listing))


@pytest.mark.parametrize(("path", "before", "after"), TASK_LISTS)
def test_the_docs_name_exactly_the_tasks_of_the_retention_flow(
    path: str, before: str, after: str, task_names: set[str]
) -> None:
    listed = _listed(path, before, after)
    assert listed == task_names, (
        f"{path}: not tasks: {sorted(listed - task_names)}; "
        f"not named: {sorted(task_names - listed)}"
    )


@pytest.fixture(scope="module")
def deployments() -> list[Any]:
    from pdpipe.flows import serve

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PDPIPE_MAILING_URL", "sqlite:///mailing.db")
        patch.setenv("PDPIPE_CRM_URL", "sqlite:///crm.db")
        return list(serve.deployments(files.SAMPLE_POLICY))


def _count(text: str, pattern: str) -> int:
    found = re.search(pattern, text)
    assert found, f"no {pattern!r}"
    return NUMBERS[found.group(1)]


def test_the_docs_count_the_deployments_serve_registers(deployments: list[Any]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    deploy = files.DEPLOY_DOC.read_text(encoding="utf-8")
    help_text = typer.main.get_command(app).commands["serve"].help or ""  # type: ignore[attr-defined]
    prefect_yaml = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert {
        "README": _count(readme, r"job runs as (\w+) scheduled Prefect deployments"),
        "README serve": _count(readme, r"one process serves all (\w+) deployments"),
        "deploy.md": _count(deploy, r"registers the deployments with their schedules \((\w+);"),
        "deploy.md prefect.yaml": _count(deploy, r"describes the same (\w+) deployments"),
        "serve --help": _count(help_text, r"Serve the (\w+) deployments"),
        "prefect.yaml": len(prefect_yaml["deployments"]),
    } == dict.fromkeys(
        [
            "README",
            "README serve",
            "deploy.md",
            "deploy.md prefect.yaml",
            "serve --help",
            "prefect.yaml",
        ],
        len(deployments),
    )
    for deployment in deployments:
        assert f"`{deployment.flow_name}/{deployment.name}`" in readme
