"""The commands of a tour in the docs: the `bash` blocks under one `## heading`, read as
a person would type them.

A line is `source …` (skipped: the test runs pdpipe from its own environment),
`export NAME=VALUE …`, or `pdpipe ARGS [> FILE]  # comment`. The comment states what the
tour promises: `(exit N)` the exit code (0 when it says nothing), each "quoted" text
a piece of the output.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

_EXIT = re.compile(r"\(exit (\d+)\)")
_QUOTED = re.compile(r'"([^"]+)"')


@dataclass(frozen=True)
class Step:
    line: str
    argv: list[str]  # after `pdpipe`
    redirect: str | None  # `> FILE`: stdout goes there
    exit_code: int
    claims: list[str]


@dataclass(frozen=True)
class Tour:
    environment: dict[str, str]
    steps: list[Step]


def tour(path: Path, heading: str) -> Tour:
    environment: dict[str, str] = {}
    steps: list[Step] = []
    for line in _block_lines(path, heading):
        code, _, comment = line.partition(" # ")
        tokens = shlex.split(code)
        if not tokens or tokens[0] == "source":
            continue
        if tokens[0] == "export":
            for pair in tokens[1:]:
                name, sep, value = pair.partition("=")
                assert sep, f"{path.name}: `{line}`: export NAME=VALUE"
                environment[name] = value
            continue
        assert tokens[0] == "pdpipe", f"{path.name}: the tour runs `{line}`, not a pdpipe command"
        redirect = None
        if ">" in tokens:
            at = tokens.index(">")
            assert at == len(tokens) - 2, f"{path.name}: `{line}`: one `> FILE` at the end"
            tokens, redirect = tokens[:at], tokens[at + 1]
        found = _EXIT.search(comment)
        steps.append(
            Step(
                line=line.strip(),
                argv=tokens[1:],
                redirect=redirect,
                exit_code=int(found.group(1)) if found else 0,
                claims=_QUOTED.findall(comment),
            )
        )
    assert steps, f"{path.name}: no pdpipe command under '## {heading}'"
    return Tour(environment, steps)


def _block_lines(path: Path, heading: str) -> list[str]:
    """The lines of the `bash` blocks between `## heading` and the next `## `."""
    lines: list[str] = []
    section = inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip() == heading
            continue
        if not section:
            continue
        if line.strip().startswith("```"):
            inside = line.strip() == "```bash"
            continue
        if inside:
            assert not line.rstrip().endswith("\\"), f"{path.name}: one command a line"
            lines.append(line)
    assert lines, f"{path.name}: no bash block under '## {heading}'"
    return lines
