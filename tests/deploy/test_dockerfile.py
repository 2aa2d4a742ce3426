"""The Dockerfile, checked without Docker: Python 3.11, the locked dependencies installed
before the source arrives (layer caching), the same uv as ./dev, an unprivileged user,
`pdpipe` as the entrypoint, run outputs in a volume, and a build context that holds what
the build copies and nothing else."""

from __future__ import annotations

import re
import shlex
import tomllib

from tests.deploy import files
from tests.deploy.files import dockerfile, dockerfile_args


def _pyproject() -> dict[str, object]:
    return tomllib.loads((files.ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_stage_is_python_3_11_slim() -> None:
    bases = [shlex.split(arguments)[0] for arguments in dockerfile_args("FROM")]
    assert bases, "no FROM"
    for base in bases:
        assert base.startswith("python:3.11") and base.endswith("-slim"), base


def test_uv_is_the_version_dev_pins() -> None:
    dev = re.search(r"^UV_VERSION=(\S+)$", files.DEV_SCRIPT.read_text(), re.MULTILINE)
    assert dev, "./dev no longer pins UV_VERSION"
    pinned = [a.split("=", 1)[1] for a in dockerfile_args("ARG") if a.startswith("UV_VERSION=")]
    assert pinned == [dev.group(1)]
    installs = [a for a in dockerfile_args("RUN") if "uv==" in a]
    assert installs and all('"uv==${UV_VERSION}"' in a for a in installs), installs


def test_dependencies_come_from_the_lock_before_the_source_is_copied() -> None:
    steps = dockerfile()
    syncs = [i for i, (k, a) in enumerate(steps) if k == "RUN" and "uv sync" in a]
    assert syncs, "no uv sync"
    for index in syncs:
        arguments = steps[index][1]
        assert "--frozen" in arguments, arguments  # the lock as committed, never re-resolved
        assert "--no-dev" in arguments, arguments
    lock_copied = next(
        i for i, (k, a) in enumerate(steps) if k == "COPY" and "uv.lock" in a.split()
    )
    source_copied = next(
        i for i, (k, a) in enumerate(steps) if k == "COPY" and a.split()[0] == "src"
    )
    dependencies_only = [i for i in syncs if "--no-install-project" in steps[i][1]]
    assert dependencies_only, "install the dependencies alone first (--no-install-project)"
    assert lock_copied < dependencies_only[0] < source_copied < syncs[-1]
    assert "pyproject.toml" in steps[lock_copied][1].split()


def test_the_image_runs_as_an_unprivileged_user() -> None:
    users = dockerfile_args("USER")
    assert users, "no USER: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), users[-1]
    last_user = max(i for i, (k, _) in enumerate(dockerfile()) if k == "USER")
    assert all(k != "RUN" for k, _ in dockerfile()[last_user:]), "RUN after USER runs unprivileged"


def test_the_entrypoint_is_the_pdpipe_script() -> None:
    entrypoint = files.exec_form(dockerfile_args("ENTRYPOINT")[-1])
    assert entrypoint == ["pdpipe"]
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    assert "pdpipe" in project["scripts"]


def test_run_outputs_are_a_volume_the_user_owns() -> None:
    output_dir = files.dockerfile_env()["PDPIPE_OUTPUT_DIR"]
    assert output_dir == "/var/lib/pdpipe/runs"
    volumes = [v for a in dockerfile_args("VOLUME") for v in files.exec_form(a)]
    assert output_dir in volumes
    prepared = [a for a in dockerfile_args("RUN") if f"mkdir -p {output_dir}" in a]
    assert prepared and "chown" in prepared[0], "create the folder owned by the user"


def test_the_build_context_holds_what_the_build_copies_and_nothing_else() -> None:
    copied = []
    for arguments in dockerfile_args("COPY"):
        parts = arguments.split()
        if any(p.startswith("--from") for p in parts):
            continue
        copied += [p.rstrip("/") for p in parts[:-1] if not p.startswith("--")]
    # hatchling reads the readme named in pyproject.toml when it builds pdpipe.
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    assert project["readme"] in copied
    for path in copied:
        assert not files.dockerignored(path), f".dockerignore drops {path}, which COPY needs"
    assert not files.dockerignored("src/pdpipe/cli.py")
    for path in (
        ".venv/bin/python",
        ".git/HEAD",
        ".tools/bin/uv",
        "tests/conftest.py",
        "policies/policy.yaml",
        "pdpipe-demo/mailing.db",
        "src/pdpipe/__pycache__/cli.cpython-311.pyc",
    ):
        assert files.dockerignored(path), f".dockerignore lets {path} into the build context"
