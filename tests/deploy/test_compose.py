"""docker-compose.yml, checked without Docker: every service is healthchecked and waited
for, ports stay on 127.0.0.1, every command is a real command of pdpipe, Prefect or Dask
with valid arguments, every variable is read by someone and documented, and the
processes that load the policy get what it needs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click
import prefect.settings
import pytest
import typer.main
from prefect.utilities.dockerutils import get_prefect_image_name

from pdpipe.cli import app
from pdpipe.policy.loading import parse_policy
from pdpipe.report.dashboard import default_dashboard_dir
from pdpipe.requests.access import reports_folder
from pdpipe.settings import ENVIRONMENT, output_dir
from tests.deploy import files
from tests.deploy.files import compose, environment, image_services, is_prefect_setting, services

EXPECTED_SERVICES = {"postgres", "prefect-server", "pdpipe", "dask-scheduler", "dask-worker"}
DASK_PROFILE = {"dask-scheduler", "dask-worker"}
POLICY_DIR = "/policies"


def venv_executable(name: str) -> Path:
    return Path(sys.executable).parent / name


def test_the_file_follows_the_compose_spec_and_has_the_expected_services() -> None:
    assert "version" not in compose(), "the Compose spec has no `version:`; drop it"
    assert set(services()) == EXPECTED_SERVICES


@pytest.mark.parametrize("name", sorted(EXPECTED_SERVICES))
def test_every_service_has_a_healthcheck(name: str) -> None:
    check = services()[name].get("healthcheck")
    assert check, f"{name}: no healthcheck"
    assert not check.get("disable")
    test = check["test"]
    assert isinstance(test, list)
    assert test[0] in ("CMD", "CMD-SHELL"), f"{name}: healthcheck test {test!r}"


def test_http_healthchecks_ask_the_port_each_service_serves_on() -> None:
    port = re.compile(r"http://localhost:(\d+)/")

    def asked(name: str) -> int:
        found = port.match(files.healthcheck_url(services()[name]))
        assert found
        return int(found.group(1))

    server = services()["prefect-server"]
    assert files.healthcheck_url(server).endswith("/api/health")
    assert asked("prefect-server") == int(
        files.option(files.argv(server["command"]), "--port") or 4200
    )
    assert {p["target"] for p in server["ports"]} == {asked("prefect-server")}

    # pdpipe serve: Prefect's runner webserver, which only runs when enabled.
    serve_env = environment(services()["pdpipe"])
    assert str(serve_env.get("PREFECT_RUNNER_SERVER_ENABLE")).lower() == "true"
    runner_port = (
        serve_env.get("PREFECT_RUNNER_SERVER_PORT")
        or prefect.settings.PREFECT_RUNNER_SERVER_PORT.default()
    )
    assert asked("pdpipe") == int(runner_port)
    assert files.healthcheck_url(services()["pdpipe"]).endswith("/health")

    for name in sorted(DASK_PROFILE):
        dashboard = files.option(files.argv(services()[name]["command"]), "--dashboard-address")
        assert dashboard, f"{name}: give --dashboard-address, or the port is random"
        assert asked(name) == int(dashboard.rsplit(":", 1)[1])
        assert files.healthcheck_url(services()[name]).endswith("/health")


def test_published_ports_are_bound_to_loopback_only() -> None:
    for name, service in services().items():
        for port in service.get("ports") or []:
            if isinstance(port, dict):
                assert port.get("host_ip") == "127.0.0.1", f"{name}: {port}"
            else:
                assert str(port).startswith("127.0.0.1:"), f"{name}: {port}"


def test_services_wait_until_their_dependencies_are_healthy() -> None:
    for name, service in services().items():
        depends_on = service.get("depends_on") or {}
        assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
        for dependency, how in depends_on.items():
            assert how.get("condition") == "service_healthy", f"{name} -> {dependency}"
            assert services()[dependency].get("healthcheck"), dependency
            # A service outside a profile cannot depend on one inside it.
            assert set(services()[dependency].get("profiles") or []) <= set(
                service.get("profiles") or []
            ), f"{name} -> {dependency}"
    assert set(services()["pdpipe"]["depends_on"]) == {"postgres", "prefect-server"}
    assert set(services()["dask-worker"]["depends_on"]) == {"dask-scheduler"}


def test_dask_services_are_optional_under_the_dask_profile() -> None:
    for name, service in services().items():
        expected = ["dask"] if name in DASK_PROFILE else []
        assert (service.get("profiles") or []) == expected, name


def test_the_pdpipe_service_runs_a_real_pdpipe_command_with_valid_arguments() -> None:
    service = services()["pdpipe"]
    assert "entrypoint" not in service, "the image's ENTRYPOINT is pdpipe"
    assert files.exec_form(files.dockerfile_args("ENTRYPOINT")[-1]) == ["pdpipe"]
    command = files.argv(service["command"])
    group: Any = typer.main.get_command(app)  # typer's own (vendored) click Group
    assert command[0] == "serve"
    subcommand = group.commands.get(command[0])
    assert subcommand is not None, f"pdpipe has no command {command[0]!r}: {sorted(group.commands)}"
    subcommand.make_context(command[0], command[1:])  # raises on a bad argument


def test_the_prefect_server_command_is_a_real_prefect_command() -> None:
    command = files.argv(services()["prefect-server"]["command"])
    assert command[:3] == ["prefect", "server", "start"]
    prefect = venv_executable("prefect")
    assert prefect.exists(), f"{prefect} is missing"
    result = subprocess.run(
        [str(prefect), *command[1:3], "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "200", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
    )
    assert result.returncode == 0, result.stderr
    for token in command[3:]:
        if token.startswith("--"):
            assert token.split("=")[0] in result.stdout, f"prefect server start has no {token}"


@pytest.mark.parametrize("name", sorted(DASK_PROFILE))
def test_dask_services_run_real_dask_commands_with_valid_arguments(name: str) -> None:
    service = services()[name]
    assert files.argv(service["entrypoint"]) == ["dask"]
    assert venv_executable("dask").exists(), "the `dask` command comes with `distributed`"
    command = files.argv(service["command"])
    commands = {e.name: e for e in entry_points(group="dask_cli")}
    assert command[0] in commands, f"`dask {command[0]}` is not a dask command"
    loaded: Any = commands[command[0]].load()
    assert isinstance(loaded, click.Command)
    loaded.make_context(command[0], command[1:])  # raises on a bad argument


def test_dask_workers_find_the_scheduler_where_it_listens() -> None:
    scheduler = files.argv(services()["dask-scheduler"]["command"])
    worker = files.argv(services()["dask-worker"]["command"])
    assert worker[1] == f"tcp://dask-scheduler:{files.option(scheduler, '--port') or 8786}"


def test_containers_of_the_pdpipe_image_get_only_variables_pdpipe_or_prefect_read() -> None:
    for name, service in image_services().items():
        for variable in environment(service):
            assert variable in ENVIRONMENT or is_prefect_setting(variable), (
                f"{name}: {variable} is neither in pdpipe.settings.ENVIRONMENT "
                "nor a Prefect setting"
            )


def test_the_prefect_server_gets_prefect_settings_only() -> None:
    for variable in environment(services()["prefect-server"]):
        assert is_prefect_setting(variable), variable


def test_every_variable_a_container_gets_is_documented() -> None:
    documented = {
        *files.doc_table(files.ENVIRONMENT_DOC, "pdpipe"),
        *files.doc_table(files.ENVIRONMENT_DOC, "Prefect settings"),
    }
    for name, service in services().items():
        if name == "postgres":
            continue  # the postgres image's own variables
        missing = set(environment(service)) - documented
        assert not missing, f"{name}: not in docs/environment.md: {sorted(missing)}"


def test_the_variables_compose_reads_from_the_shell_are_the_documented_ones() -> None:
    documented = set(files.doc_table(files.ENVIRONMENT_DOC, "docker compose"))
    assert files.shell_variables() == documented


def test_secrets_are_required_from_the_shell_never_defaulted() -> None:
    for name, modifier in files.interpolations(compose()):
        if name in ("PDPIPE_PSEUDONYM_KEY", "POSTGRES_PASSWORD"):
            assert modifier.startswith(":?"), f"${{{name}{modifier}}}: require it with :?"
    assert (
        environment(services()["pdpipe"])["PDPIPE_PSEUDONYM_KEY"]
        == (environment(services()["dask-worker"])["PDPIPE_PSEUDONYM_KEY"])
    )


def test_volumes_are_declared_and_bind_mounts_exist() -> None:
    declared = set(compose().get("volumes") or {})
    used = set()
    for name, service in services().items():
        for source, _target, _read_only in files.volume_mounts(service):
            if files.is_bind_mount(source):
                assert (files.ROOT / source).exists(), f"{name}: {source} does not exist"
            else:
                assert source in declared, f"{name}: volume {source!r} is not declared"
                used.add(source)
    assert used == declared, f"declared but unused: {sorted(declared - used)}"


def test_the_policy_is_served_from_the_read_only_policies_mount() -> None:
    command = files.argv(services()["pdpipe"]["command"])
    assert command[1].startswith(POLICY_DIR + "/")
    for name in ("pdpipe", "dask-worker"):
        mounts = {
            target: (source, ro) for source, target, ro in files.volume_mounts(services()[name])
        }
        assert mounts.get(POLICY_DIR) == ("./policies", True), name
    assert (files.ROOT / "policies").is_dir()


def test_run_outputs_go_to_a_named_volume_where_the_image_writes_them() -> None:
    output_dir = environment(services()["pdpipe"])["PDPIPE_OUTPUT_DIR"]
    assert output_dir == files.dockerfile_env()["PDPIPE_OUTPUT_DIR"]
    mounts = {target: source for source, target, _ in files.volume_mounts(services()["pdpipe"])}
    assert output_dir in mounts and not files.is_bind_mount(mounts[output_dir])


def test_processes_that_load_the_policy_get_its_variables_and_the_prefect_api() -> None:
    """The serve process and Dask workers (which load the policy for each partition)."""
    text = files.SAMPLE_POLICY.read_text(encoding="utf-8")
    needed = files.interpolated_names(text)
    needed |= set(re.findall(r"\benv:([A-Za-z_][A-Za-z0-9_]*)", text))
    server = services()["prefect-server"]
    api_port = files.option(files.argv(server["command"]), "--port") or "4200"
    for name in ("pdpipe", "dask-worker"):
        given = environment(services()[name])
        assert needed <= set(given), f"{name} lacks {sorted(needed - set(given))}"
        assert given["PREFECT_API_URL"] == f"http://prefect-server:{api_port}/api", name


def test_docker_compose_config_accepts_the_file() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker CLI")
    probe = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip("the docker compose plugin is not installed")
    result = subprocess.run(
        [docker, "compose", "-f", str(files.COMPOSE), "--profile", "dask", "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=files.ROOT,
        env={
            **os.environ,
            "POSTGRES_PASSWORD": "test",
            "PDPIPE_PSEUDONYM_KEY": "test",
        },
    )
    assert result.returncode == 0, result.stderr


def test_the_prefect_server_image_is_the_prefect_version_the_lock_pins() -> None:
    """Server and client of one version: a floating tag (3-python3.11) would bring a newer
    server than the client pdpipe is tested with."""
    with (files.ROOT / "uv.lock").open("rb") as lock:
        packages = tomllib.load(lock)["package"]
    (locked,) = [p["version"] for p in packages if p["name"] == "prefect"]
    base = files.dockerfile_args("FROM")[0].split()[0]  # python:3.11-slim
    python = base.split(":")[1].removesuffix("-slim")
    image = services()["prefect-server"]["image"]
    # The tag as Prefect names its own images (prefecthq/prefect:3.9.1-python3.11).
    assert image == get_prefect_image_name(prefect_version=locked, python_version=python)
    assert image == f"prefecthq/prefect:{locked}-python{python}"


def test_every_path_pdpipe_writes_is_on_a_writable_named_volume(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the serve process writes with the sample policy: run folders (summary.json,
    documents, Data Docs), the dashboard, access reports. None may fall on the read-only
    policies mount or on the container's own layer, which a new image throws away."""
    service = services()["pdpipe"]
    given = environment(service)
    monkeypatch.setenv("PDPIPE_OUTPUT_DIR", str(given["PDPIPE_OUTPUT_DIR"]))
    policy_path = Path(files.argv(service["command"])[1])
    text = files.SAMPLE_POLICY.read_text(encoding="utf-8")
    stores = {name: "sqlite://" for name in files.interpolated_names(text)}
    policy = parse_policy(text, policy_path, stores)
    written = {
        "run folders": output_dir(policy_path),
        "dashboard": default_dashboard_dir(policy_path),
        "access reports": reports_folder(policy),
    }
    mounts = files.volume_mounts(service)
    for what, path in written.items():
        holding = [m for m in mounts if path.is_relative_to(m[1])]
        assert holding, f"{what}: {path} is on no mount"
        source, target, read_only = max(holding, key=lambda m: len(m[1]))
        assert not read_only, f"{what}: {path} is on the read-only mount {target}"
        assert not files.is_bind_mount(source), f"{what}: {path} is on a bind mount"
