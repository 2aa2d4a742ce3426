"""docs/environment.md and docs/deploy.md cannot drift: the variables are exactly the ones
pdpipe reads, the Prefect ones are real settings, and the commands, deployments and
artifacts the deployment guide names are the real ones."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from pdpipe.cli import app
from pdpipe.settings import ENVIRONMENT
from tests.deploy import files
from tests.deploy.files import is_prefect_setting


def test_the_pdpipe_table_lists_exactly_the_variables_pdpipe_reads() -> None:
    documented = set(files.doc_table(files.ENVIRONMENT_DOC, "pdpipe"))
    assert documented == set(ENVIRONMENT), (
        f"missing: {sorted(set(ENVIRONMENT) - documented)}, "
        f"not read by pdpipe: {sorted(documented - set(ENVIRONMENT))}"
    )


def test_the_prefect_table_lists_real_prefect_settings() -> None:
    documented = files.doc_table(files.ENVIRONMENT_DOC, "Prefect settings")
    assert "PREFECT_API_URL" in documented
    for name in documented:
        assert is_prefect_setting(name), f"{name} is not a Prefect setting"


@pytest.mark.parametrize("heading", ["pdpipe", "Prefect settings", "docker compose"])
def test_every_documented_variable_says_what_it_does_and_its_default(heading: str) -> None:
    for name, cells in files.doc_table(files.ENVIRONMENT_DOC, heading).items():
        assert len(cells) == 2 and all(cells), f"{heading}: {name}: {cells}"


def _resolve(tokens: list[str]) -> tuple[Any, list[str]]:
    """The pdpipe (sub)command a command line names, and its remaining arguments."""
    command: Any = typer.main.get_command(app)
    arguments = tokens[1:]
    while hasattr(command, "commands") and arguments and not arguments[0].startswith("-"):
        found = command.commands.get(arguments[0])
        assert found is not None, f"`{shlex.join(tokens)}`: no pdpipe command {arguments[0]!r}"
        command, arguments = found, arguments[1:]
    return command, arguments


def _pdpipe_command_lines(path: Path) -> list[list[str]]:
    """`pdpipe …` lines of the guide's bash blocks, and the pdpipe part of
    `docker compose run --rm [-e X] pdpipe …` lines."""
    found = []
    for line in files.code_lines(path):
        tokens = shlex.split(line, comments=True)
        if tokens[:1] == ["pdpipe"]:
            found.append(tokens)
        elif tokens[:3] == ["docker", "compose", "run"]:
            rest = tokens[3:]
            while rest and rest[0].startswith("-"):
                rest = rest[2:] if rest[0] in ("-e", "--env") else rest[1:]
            if rest[:1] == ["pdpipe"]:
                found.append(rest)
    return found


def test_the_pdpipe_commands_in_the_deployment_guide_are_real() -> None:
    lines = _pdpipe_command_lines(files.DEPLOY_DOC)
    assert any(tokens[1] == "serve" for tokens in lines)
    for tokens in lines:
        command, arguments = _resolve(tokens)
        command.make_context(tokens[1], arguments)  # raises on an unknown option


def test_the_guide_names_the_deployments_serve_creates(monkeypatch: pytest.MonkeyPatch) -> None:
    from pdpipe.flows import serve

    monkeypatch.setenv("PDPIPE_MAILING_URL", "sqlite:///mailing.db")
    monkeypatch.setenv("PDPIPE_CRM_URL", "sqlite:///crm.db")
    deployments = serve.deployments(files.SAMPLE_POLICY)
    guide = files.DEPLOY_DOC.read_text(encoding="utf-8")
    timezone = yaml.safe_load(files.SAMPLE_POLICY.read_text(encoding="utf-8"))["operator"][
        "timezone"
    ]
    for deployment in deployments:
        assert f"`{deployment.flow_name}/{deployment.name}`" in guide
        assert [s.schedule.timezone for s in deployment.schedules] == [timezone]
    # The guide says "every day at 02:00", "Sundays at 03:00", "Sundays at 04:00" and
    # "every hour at :15".
    crons = {f"{d.flow_name}/{d.name}": [s.schedule.cron for s in d.schedules] for d in deployments}
    assert crons == {
        "pdpipe-retention/nightly": ["0 2 * * *"],
        "pdpipe-integrity/weekly": ["0 3 * * 0"],
        "pdpipe-discovery/weekly": ["0 4 * * 0"],
        "pdpipe-requests/hourly": ["15 * * * *"],
    }


def test_the_guide_names_the_artifacts_the_flows_publish() -> None:
    from pdpipe.flows import discovery, integrity, retention

    guide = files.DEPLOY_DOC.read_text(encoding="utf-8")
    for key in (
        retention.SUMMARY_ARTIFACT,
        retention.REPORT_ARTIFACT,
        integrity.INTEGRITY_ARTIFACT,
        integrity.INTEGRITY_ARTIFACT + "-ledgers",
        discovery.DISCOVERY_ARTIFACT,
        discovery.DISCOVERY_ARTIFACT + "-undeclared",
    ):
        assert f"`{key}`" in guide, key


def test_variables_prefect_yaml_reads_are_documented() -> None:
    prefect_yaml = files.ROOT / "prefect.yaml"
    if not prefect_yaml.exists():
        pytest.skip("no prefect.yaml")
    text = prefect_yaml.read_text(encoding="utf-8")
    names = {part.split("}}")[0].strip() for part in text.split("{{ $")[1:]}
    assert names, "prefect.yaml reads no variable"
    documented = set(files.doc_table(files.ENVIRONMENT_DOC, "pdpipe"))
    assert names <= documented, sorted(names - documented)
