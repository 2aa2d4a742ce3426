"""`TODO` placeholders: the decisions `pdpipe init` leaves to a person.

A starter policy cannot know the purpose's title, its legal ground, the retention term or
what ends it; `pdpipe init` writes `TODO: …` there. Every command reads the policy first,
so a value that begins with `TODO` is refused everywhere (`check`, `plan`, `run` …) with a
message at its line, and a pydantic complaint about the same value (`keep_for: TODO` is
not a duration) is left out: the person sees one thing to do per placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pdpipe.policy.errors import Loc, Problem

# "TODO", alone or followed by what to decide: "TODO: the purpose's legal ground".
_TODO = re.compile(r"^\s*TODO(?![A-Za-z0-9_])")
# Where a value is never repeated in a message: it may be a secret or a password.
_SILENT_KEYS = frozenset({"secrets", "url"})
_SHOWN = 120  # characters of a placeholder's own hint quoted back


def todo_problems(document: Any) -> list[Problem]:
    """One problem per `TODO` value in the parsed document, in document order."""
    return list(_walk(document, (), quoted=True))


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and bool(_TODO.match(value))


def under(loc: Loc, placeholders: list[Problem]) -> bool:
    """Whether `loc` is at or below a placeholder (a complaint about its value)."""
    return any(loc[: len(p.loc)] == p.loc for p in placeholders)


def _walk(node: Any, loc: Loc, *, quoted: bool) -> Iterator[Problem]:
    if isinstance(node, dict):
        for key, value in node.items():
            silent = isinstance(key, str) and key in _SILENT_KEYS
            yield from _walk(value, (*loc, str(key)), quoted=quoted and not silent)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*loc, index), quoted=quoted)
    elif is_placeholder(node):
        hint = _TODO.sub("", node, count=1).strip(" :-—") if quoted else ""
        said = f" ({hint[:_SHOWN]}{'…' if len(hint) > _SHOWN else ''})" if hint else ""
        yield Problem(loc, f"TODO placeholder: a person must decide this value{said}")
