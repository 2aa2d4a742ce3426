"""``${VAR}``, ``${VAR:-default}`` and ``${prefect:BLOCK}`` in store URLs, so passwords
stay out of the file: in the environment, or in a Prefect Secret block."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

_REFERENCE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")
_SECRET_BLOCK = re.compile(r"\$\{prefect:(?P<block>[a-z0-9][a-z0-9-]*)\}")


class MissingVariable(ValueError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"environment variable {name} is not set or empty "
            f"(set it, or write ${{{name}:-default}})"
        )


class MissingSecretBlock(ValueError):
    def __init__(self, block: str) -> None:
        self.block = block
        super().__init__(
            f"Prefect Secret block '{block}' cannot be read (does it exist, and is "
            "PREFECT_API_URL set?)"
        )


def _secret_block(match: re.Match[str]) -> str:
    from prefect.blocks.system import Secret  # only policies that use blocks load Prefect

    try:
        return str(Secret.load(match["block"]).get())  # type: ignore[union-attr]
    except Exception:
        raise MissingSecretBlock(match["block"]) from None


def interpolate(text: str, environ: Mapping[str, str]) -> str:
    """Replace each reference by the variable's value, or its default when unset or empty,
    and each ``${prefect:BLOCK}`` by the value of that Prefect Secret block."""
    text = _SECRET_BLOCK.sub(_secret_block, text)

    def substitute(match: re.Match[str]) -> str:
        name, default = match["name"], match["default"]
        value = environ.get(name)
        if value:
            return value
        if default is not None:
            return default
        raise MissingVariable(name)

    return _REFERENCE.sub(substitute, text)


def anchor_sqlite_path(url: str, base: Path) -> str:
    """A relative SQLite path is read against the policy file's folder, not the cwd."""
    if not url.startswith("sqlite"):
        return url
    parsed = make_url(url)
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return url
    if Path(database).is_absolute():
        return url
    return parsed.set(database=str((base / database).resolve())).render_as_string(
        hide_password=False
    )
