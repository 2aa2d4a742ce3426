"""Reading the deployment files the tests check: docker-compose.yml, Dockerfile,
.dockerignore, docs/environment.md and docs/deploy.md. No Docker needed."""

from __future__ import annotations

import fnmatch
import functools
import json
import re
import shlex
from pathlib import Path
from typing import Any

import prefect.settings
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENVIRONMENT_DOC = ROOT / "docs" / "environment.md"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
SAMPLE_POLICY = ROOT / "docker" / "policy.yaml"
DEV_SCRIPT = ROOT / "dev"

# ${NAME}, ${NAME:-default}, ${NAME:?message}, ...; `$$` is compose's escaped dollar.
_INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}")


def is_prefect_setting(name: str) -> bool:
    try:
        getattr(prefect.settings, name)
    except AttributeError:
        return False
    return name.startswith("PREFECT_")


# -- docker-compose.yml ------------------------------------------------------------------


@functools.cache
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), "docker-compose.yml is not a mapping"
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found = compose()["services"]
    assert isinstance(found, dict)
    return found


def built_here(service: dict[str, Any]) -> bool:
    """Does the service run the image built from this repository's Dockerfile?"""
    build = service.get("build")
    context = build.get("context") if isinstance(build, dict) else build
    return context in (".", "./")


def image_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in services().items() if built_here(s)}


def argv(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]


def environment(service: dict[str, Any]) -> dict[str, str | None]:
    """The service's environment; None for a name without a value (passed through from the
    shell when set there, else unset)."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        pairs = (item.partition("=") for item in raw)
        return {name: (value if sep else None) for name, sep, value in pairs}
    return {name: None if value is None else str(value) for name, value in raw.items()}


def interpolations(value: Any) -> list[tuple[str, str]]:
    """(name, modifier) of every ${...} in the strings of a parsed YAML value."""
    if isinstance(value, str):
        return _INTERPOLATION.findall(value)
    if isinstance(value, dict):
        return [found for item in value.values() for found in interpolations(item)]
    if isinstance(value, list):
        return [found for item in value for found in interpolations(item)]
    return []


def interpolated_names(text: str) -> set[str]:
    return {name for name, _ in _INTERPOLATION.findall(text)}


def shell_variables() -> set[str]:
    """What docker compose reads from the shell: ${...} names and pass-through names."""
    names = {name for name, _ in interpolations(compose())}
    for service in services().values():
        names |= {name for name, value in environment(service).items() if value is None}
    return names


def volume_mounts(service: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(source, target, read_only) of each volume entry, short or long syntax."""
    mounts = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            mounts.append(
                (str(entry["source"]), str(entry["target"]), bool(entry.get("read_only")))
            )
        else:
            source, target, *mode = str(entry).split(":")
            mounts.append((source, target, "ro" in ",".join(mode).split(",")))
    return mounts


def is_bind_mount(source: str) -> bool:
    return source.startswith((".", "/", "~"))


def healthcheck_url(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    text = " ".join(test) if isinstance(test, list) else str(test)
    found = re.search(r"http://localhost:\d+/[^'\"\s]*", text)
    assert found, f"no http://localhost URL in the healthcheck {text!r}"
    return found.group(0)


def option(arguments: list[str], name: str) -> str | None:
    """The value of `name VALUE` or `name=VALUE` in a command line."""
    for index, token in enumerate(arguments):
        if token == name and index + 1 < len(arguments):
            return arguments[index + 1]
        if token.startswith(name + "="):
            return token.split("=", 1)[1]
    return None


# -- Dockerfile and .dockerignore --------------------------------------------------------


@functools.cache
def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        text = pending + stripped
        pending = ""
        keyword, _, arguments = text.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return instructions


def dockerfile_args(keyword: str) -> list[str]:
    return [arguments for found, arguments in dockerfile() if found == keyword]


def exec_form(arguments: str) -> list[str]:
    parsed = json.loads(arguments)
    assert isinstance(parsed, list)
    return [str(item) for item in parsed]


def dockerfile_env() -> dict[str, str]:
    """ENV KEY=VALUE pairs (the `ENV KEY=VALUE KEY2=VALUE2` form) of the whole file."""
    found: dict[str, str] = {}
    for arguments in dockerfile_args("ENV"):
        for pair in shlex.split(arguments):
            name, sep, value = pair.partition("=")
            assert sep, f"use ENV KEY=VALUE, not {arguments!r}"
            found[name] = value
    return found


def dockerignored(path: str) -> bool:
    """Does .dockerignore keep `path` out of the build context? Last matching pattern
    wins; a pattern matches a path or any folder above it."""
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        bare = pattern.lstrip("!").strip("/")
        if any(fnmatch.fnmatchcase(candidate, bare) for candidate in candidates):
            ignored = not negated
    return ignored


# -- docs --------------------------------------------------------------------------------


def doc_table(path: Path, heading: str) -> dict[str, list[str]]:
    """The rows of the table under `## heading`: first cell's `NAME` -> the other cells."""
    rows: dict[str, list[str]] = {}
    inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            inside = line[3:].strip() == heading
            continue
        if inside and line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
            name = cells[0].strip("`")
            assert name not in rows, f"{path.name}: {name} listed twice under {heading!r}"
            rows[name] = cells[1:]
    assert rows, f"{path.name}: no table under '## {heading}'"
    return rows


def code_lines(path: Path) -> list[str]:
    """The lines of the fenced `bash` blocks, continuation lines joined."""
    lines: list[str] = []
    inside = False
    pending = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("```"):
            inside = line.strip() == "```bash"
            continue
        if not inside:
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    return lines
