"""``${VAR}`` and ``${VAR:-default}`` in store URLs, so passwords stay out of the file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

_REFERENCE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


class MissingVariable(ValueError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"environment variable {name} is not set or empty "
            f"(set it, or write ${{{name}:-default}})"
        )


def interpolate(text: str, environ: Mapping[str, str]) -> str:
    """Replace each reference by the variable's value, or its default when unset or empty."""

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
