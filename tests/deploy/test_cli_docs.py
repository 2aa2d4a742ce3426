"""docs/cli.md cannot drift from the command line: every command has a row, every option
of it is named in its rows, and the global options are in their table."""

from __future__ import annotations

import re
from typing import Any

import typer.main

from pdpipe.cli import app
from tests.deploy.files import ROOT

CLI_DOC = ROOT / "docs" / "cli.md"
_ROW = re.compile(r"^\| `pdpipe ([^`]*)`")


def _rows() -> list[str]:
    return [
        line for line in CLI_DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| `")
    ]


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, command in group.commands.items():
        path = (*prefix, name)
        if hasattr(command, "commands"):  # a group (typer's own click classes)
            found |= _commands(command, path)
        else:
            found[" ".join(path)] = command
    return found


def _long_options(command: Any) -> set[str]:
    names: set[str] = set()
    for parameter in command.params:
        if parameter.param_type_name == "option":
            names |= {n for n in parameter.opts if n.startswith("--")}  # not --no-X
    return names - {"--help"}


def test_every_command_and_option_is_in_the_command_table() -> None:
    rows = _rows()
    root = typer.main.get_command(app)
    commands = _commands(root)
    assert len(commands) > 15
    for name, command in commands.items():
        mine = [
            row
            for row in rows
            if (found := _ROW.match(row)) and (found.group(1) + " ").startswith(name + " ")
        ]
        assert mine, f"docs/cli.md has no row for `pdpipe {name}`"
        text = " ".join(mine)
        missing = sorted(o for o in _long_options(command) if f"{o}" not in text)
        assert not missing, f"`pdpipe {name}`: options not in docs/cli.md: {missing}"


def test_the_global_options_are_in_their_table() -> None:
    root = typer.main.get_command(app)
    documented = "\n".join(
        row for row in _rows() if row.startswith("| `-") or row.startswith("| `--")
    )
    for option in _long_options(root) - {"--version"}:
        assert f"`{option}" in documented or f"`{option}`" in documented, option
    assert "`-v`, `--verbose`" in documented and "`-q`, `--quiet`" in documented
