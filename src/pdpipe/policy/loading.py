"""Reading policy.yaml: YAML, environment interpolation, structure, cross-references.

``load_policy`` either returns a valid Policy or raises PolicyError listing every problem
with its path and line. Nothing here touches a store.
"""

from __future__ import annotations

import os
import types
import typing
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from pdpipe.policy.conditions import ConditionSyntaxError
from pdpipe.policy.errors import Loc, PolicyError, Problem
from pdpipe.policy.interpolation import (
    MissingSecretBlock,
    MissingVariable,
    anchor_sqlite_path,
    interpolate,
)
from pdpipe.policy.models import CATEGORY, NAME, SLUG, Policy
from pdpipe.policy.placeholders import todo_problems, under
from pdpipe.policy.reading import MAX_BYTES, PolicyTextError, decode, read_document, too_large
from pdpipe.policy.semantics import policy_problems
from pdpipe.policy.yaml_lines import line_of, value_places


def load_policy(path: Path | str, environ: Mapping[str, str] | None = None) -> Policy:
    file = Path(path)
    try:
        with file.open("rb") as stream:
            # The size first: a 50 MB file is refused before it is read, let alone parsed.
            # A FIFO or a device reports no size, so never read more than one byte past it.
            problem = too_large(os.fstat(stream.fileno()).st_size)
            data = b"" if problem else stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise PolicyError([Problem((), "file not found")], file) from None
    except OSError as exc:
        raise PolicyError(
            [Problem((), f"cannot read the file: {type(exc).__name__}")], file
        ) from None
    problem = problem or too_large(len(data))
    if problem:
        raise PolicyError([problem], file)
    try:
        text = decode(data)
    except PolicyTextError as exc:
        raise PolicyError(exc.problems, file) from None
    return parse_policy(text, file, os.environ if environ is None else environ)


def parse_policy(text: str, file: Path, environ: Mapping[str, str]) -> Policy:
    try:
        document = read_document(text)
    except PolicyTextError as exc:
        raise PolicyError(exc.problems, file) from None
    raw, lines = document.data, document.lines
    if raw is None:
        raise PolicyError(
            [
                Problem(
                    (),
                    "the file is empty: expected a mapping with version, operator, purposes, "
                    "stores",
                )
            ],
            file,
        )
    if not isinstance(raw, dict):
        found = "a list" if isinstance(raw, list) else "a single value"
        raise PolicyError(
            [
                Problem(
                    (),
                    f"expected a mapping with version, operator, purposes, stores; found {found}",
                    lines.get(()),
                )
            ],
            file,
        )

    # A TODO left for a person (pdpipe init) is the one problem reported at its place.
    todos = todo_problems(raw)
    problems = todos + _interpolate_urls(raw, environ, file.parent)
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as exc:
        complaints = [_problem(error) for error in exc.errors()]
        problems += [p for p in complaints if not under(p.loc, todos)]
        raise PolicyError(_with_lines(problems, lines), file) from None
    problems += [p for p in policy_problems(policy) if not under(p.loc, todos)]
    PolicyError.collect(_with_lines(problems, lines), file)
    policy._file = file
    return policy


def _interpolate_urls(raw: dict[str, Any], environ: Mapping[str, str], base: Path) -> list[Problem]:
    problems: list[Problem] = []
    stores = raw.get("stores")
    if not isinstance(stores, list):
        return problems
    for index, store in enumerate(stores):
        if not isinstance(store, dict) or not isinstance(store.get("url"), str):
            continue
        try:
            url = interpolate(store["url"], environ)
        except (MissingVariable, MissingSecretBlock) as exc:
            problems.append(Problem(("stores", index, "url"), str(exc)))
            store["url"] = _placeholder(index)
            continue
        try:
            store["url"] = anchor_sqlite_path(url, base)
        except Exception:  # not a URL: StoreSpec reports it, without echoing it
            store["url"] = url
    return problems


def _placeholder(index: int) -> str:
    """Stands in for a URL that could not be resolved, so the rest is still checked.

    Unique per store: two unresolved stores must not look like one database (clause 5.3).
    """
    return f"sqlite:///:unresolved-store-{index}:"


def located(problems: list[Problem], file: Path | None) -> list[Problem]:
    """Problems found after loading (against the stores, say) with their lines in `file`."""
    try:
        text = file.read_text(encoding="utf-8") if file is not None else ""
    except OSError:
        text = ""
    return _with_lines(problems, *value_places(text)) if text else problems


def _with_lines(
    problems: list[Problem],
    lines: dict[Loc, int],
    starts: dict[Loc, tuple[int, int]] | None = None,
) -> list[Problem]:
    """Each problem with its line (and, `at_value`, the column of the value it is
    about), in the order of the file (a reader fixes top-down)."""
    located = [_placed(p, lines, starts or {}) for p in problems]
    return sorted(located, key=lambda p: (p.line or 0, p.column or 0))


def _placed(problem: Problem, lines: dict[Loc, int], starts: dict[Loc, tuple[int, int]]) -> Problem:
    if problem.line:
        return problem
    if problem.at_value and problem.loc in starts:
        line, column = starts[problem.loc]
        return replace(problem, line=line, column=column)
    return replace(problem, line=line_of(lines, problem.loc))


_PATTERN_MEANING = {
    NAME: "must be a plain SQL name: letters, digits, '_' and '$', not starting with a digit",
    SLUG: "must be lower-case letters, digits, '-' or '_', starting with a letter or digit",
    CATEGORY: "must be a lower-case category name such as email or last_name",
}


def _problem(error: ErrorDetails) -> Problem:
    loc = _clean_loc(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, ConditionSyntaxError):
        return Problem((*loc, *cause.where), cause.message)
    if loc and loc[0] == "secrets":
        # Never echo it: it may be the very secret written where a reference belongs.
        return Problem(
            loc, "write where the secret lives (env:NAME or prefect:block-name), never its value"
        )
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        hint = f" (expected one of: {', '.join(known)})" if known else ""
        return Problem(loc, f"unknown key '{loc[-1]}'{hint}")
    if kind == "missing":
        return Problem(loc, "required key is missing")
    if kind == "literal_error" and loc == ("version",):
        return Problem(loc, f"unsupported policy version {error['input']!r}: this pdpipe reads 1")
    if kind == "enum":
        return Problem(loc, f"unknown value {error['input']!r} (known: {ctx.get('expected')})")
    if kind == "string_pattern_mismatch":
        meaning = _PATTERN_MEANING.get(str(ctx.get("pattern")), str(error["msg"]))
        return Problem(loc, f"{meaning} (got {error['input']!r})")
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return Problem(loc, message)


def _clean_loc(raw: tuple[int | str, ...]) -> Loc:
    """Drop pydantic's internal steps ('function-after[...]', '[key]') from an error path."""
    return tuple(part for part in raw if not (isinstance(part, str) and "[" in part))


def _known_keys(loc: Loc) -> list[str]:
    """Field names of the model found at `loc`, for 'unknown key' hints."""
    current: Any = Policy
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = _by_key(current)
            if not isinstance(part, str) or part not in fields:
                return []
            current = fields[part].annotation
        else:
            args = typing.get_args(current)
            if not args:
                return []
            current = args[-1]  # list[X] -> X, dict[K, V] -> V
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(_by_key(current))
    return []


def _by_key(model: type[BaseModel]) -> dict[str, Any]:
    """A model's fields by the key a policy writes (its alias, where it has one)."""
    return {field.alias or name: field for name, field in model.model_fields.items()}


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = options[0]
        else:
            return annotation
