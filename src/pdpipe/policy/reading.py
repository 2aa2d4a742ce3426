"""Reading a policy file's YAML with bounds, so that a hostile or broken file is refused
in a fraction of a second, naming the line and what was expected.

`pdpipe check` and every command read the policy first. Plain ``yaml.safe_load`` let an
alias bomb grow to gigabytes, took minutes over a 50 MB file, hit Python's recursion limit
on deep nesting and kept the last of two equal keys without a word. Here, before any value
is built:

- the file is at most MAX_BYTES, checked before it is read whole;
- it is UTF-8 (a BOM is accepted) holding only characters YAML allows;
- no collection is nested deeper than MAX_DEPTH;
- there are no anchors, aliases or merge keys: no policy needs them (none in pdpipe's own
  policies, tests or docs), they would make a reviewer chase each table's declaration
  across the file, and the line of an error in an aliased block would be the anchor's;
- explicit tags are only the core ones (``!!str``, ``!!int``, ...);
- a key appears once per mapping: YAML would keep the last silently, so a second
  ``on_end`` or an empty ``stores: []`` below the real one would win.

The events are scanned first (streaming: memory does not grow with depth), then the
document is composed and the keys checked on its nodes, and only then constructed.
libyaml parses when it is installed; each step is linear in the size of the file.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from pdpipe.policy.errors import Loc, Problem

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_REPORTED = 20  # problems of one kind listed before the rest are only counted

_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = frozenset(
    f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)
_MAX_INT_DIGITS = 100
_TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels of mappings and lists: a policy needs about 12"
_ANCHORS = (
    "YAML anchors (&name) and aliases (*name) are not allowed in a policy: write the value "
    "out where it is used"
)
# What YAML 1.1 allows in a stream (its c-printable set): the rest means binary data.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed


class PolicyTextError(ValueError):
    """The text cannot be read as a policy's YAML; `problems` say where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.render() for p in problems))


@dataclass(frozen=True)
class Document:
    """A policy file's content as plain data, and the line each value starts on."""

    data: Any
    lines: dict[Loc, int]
    # Where each value itself starts: (line, column), both 1-based.
    starts: dict[Loc, tuple[int, int]] = field(default_factory=dict)


def too_large(size: int) -> Problem | None:
    if size <= MAX_BYTES:
        return None
    return Problem(
        (),
        f"the file is {size:,} bytes ({size / MAX_BYTES:.1f} MiB); a policy may be at most "
        f"{MAX_BYTES // 1024 // 1024} MiB ({MAX_BYTES:,} bytes): is this the policy file?",
    )


def decode(data: bytes) -> str:
    """The file's bytes as text: UTF-8, with or without a BOM; anything else is refused
    naming the encoding found or the line of the first byte that is not UTF-8."""
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if data.startswith(bom):
            raise PolicyTextError(
                [Problem((), f"the file is encoded as {name}: save it as UTF-8", 1)]
            )
    try:
        return data.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise PolicyTextError(
            [
                Problem(
                    (),
                    f"not UTF-8: byte 0x{byte:02X} cannot be read as UTF-8 (a Latin-1 or "
                    "Windows-1251 file?): save the file as UTF-8",
                    line,
                )
            ]
        ) from None


def read_document(text: str) -> Document:
    """The YAML document in `text` as plain data with its lines, or PolicyTextError."""
    text = text.removeprefix("\ufeff")
    if problem := too_large(len(text.encode("utf-8", "surrogatepass"))):
        raise PolicyTextError([problem])
    if problems := _character_problems(text) or _event_problems(text):
        raise PolicyTextError(problems)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return Document(None, {})
        lines: dict[Loc, int] = {}
        starts: dict[Loc, tuple[int, int]] = {}
        problems = _node_problems(loader, root, (), lines, starts)
        if problems:
            raise PolicyTextError(_capped(problems))
        return Document(loader.construct_document(root), lines, starts)
    except yaml.YAMLError as exc:
        raise PolicyTextError([_yaml_problem(exc)]) from None
    finally:
        loader.dispose()


def node_lines(text: str) -> dict[Loc, int]:
    """Each path's line in `text`, or {} when the text is not a readable policy."""
    return node_places(text)[0]


def node_places(text: str) -> tuple[dict[Loc, int], dict[Loc, tuple[int, int]]]:
    """Each path's line, and where its value starts (line, column), in `text`; both {}
    when the text is not a readable policy."""
    try:
        document = read_document(text)
    except PolicyTextError:
        return {}, {}
    return document.lines, document.starts


def _character_problems(text: str) -> list[Problem]:
    found = _NOT_PRINTABLE.search(text)
    if found is None:
        return []
    line = text.count("\n", 0, found.start()) + 1
    return [
        Problem(
            (),
            f"character U+{ord(found[0]):04X} is not allowed in YAML: the file is binary, or "
            "not UTF-8 text (a policy is a UTF-8 text file)",
            line,
        )
    ]


def _event_problems(text: str) -> list[Problem]:
    """Depth, anchors, aliases and tags, from the event stream: nothing is built, and the
    scan stops at the first collection nested too deep. Each kind of problem is reported
    once, at its first line, with the other lines it is on."""
    found: dict[str, list[int]] = {}
    problems: list[Problem] = []
    depth = 0
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                found.setdefault(_ANCHORS, []).append(line)
            tag = getattr(event, "tag", None)
            if tag not in (None, "!") and tag not in _ALLOWED_TAGS:
                found.setdefault(
                    f"the YAML tag '{_short_tag(tag)}' is not allowed in a policy (a policy "
                    "holds text, numbers, true/false, dates, lists and mappings)",
                    [],
                ).append(line)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    problems.append(Problem((), _TOO_DEEP, line))
                    break
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        problems.append(_yaml_problem(_python_error(text, exc)))
    finally:
        loader.dispose()
    grouped = [Problem((), _on_lines(message, lines), lines[0]) for message, lines in found.items()]
    return _capped(grouped + problems)


def _on_lines(message: str, lines: list[int]) -> str:
    others = sorted(set(lines) - {lines[0]})
    if not others:
        return message
    shown = ", ".join(map(str, others[:5]))
    more = f" and {len(others) - 5} more" if len(others) > 5 else ""
    return f"{message} (also on line{'s' if len(others) > 1 else ''} {shown}{more})"


def _node_problems(
    loader: Any,
    node: yaml.Node,
    loc: Loc,
    lines: dict[Loc, int],
    starts: dict[Loc, tuple[int, int]],
) -> list[Problem]:
    """Repeated keys, merge keys and unreadable scalars; fills `lines` and `starts` on the
    way.

    A key's line is that of the key (where a reader looks), a list item's that of its
    first value; `starts` has where each value itself begins. Depth is bounded by the
    event scan, so the recursion is too.
    """
    lines[loc] = node.start_mark.line + 1
    starts[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
    problems: list[Problem] = []
    if isinstance(node, yaml.ScalarNode):
        if problem := _scalar_problem(loader, node, loc):
            problems.append(problem)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _node_problems(loader, item, (*loc, index), lines, starts)
    elif isinstance(node, yaml.MappingNode):
        first: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(
                    Problem(loc, "a key must be a plain name, not a list or mapping", line)
                )
                continue
            if key_node.tag == f"{_TAG}merge":
                problems.append(
                    Problem(
                        loc,
                        "YAML merge keys (<<) are not allowed in a policy: write each key out",
                        line,
                    )
                )
                continue
            key_loc = (*loc, str(key_node.value))
            if problem := _scalar_problem(loader, key_node, key_loc):
                problems.append(problem)
                continue
            key = loader.construct_object(key_node)
            if key in first:
                problems.append(
                    Problem(
                        key_loc,
                        f"duplicate key '{_short(key_node.value)}' (first at line "
                        f"{first[key]}): YAML would keep only the last; remove one",
                        line,
                    )
                )
                continue
            first[key] = line
            problems += _node_problems(loader, value_node, key_loc, lines, starts)
            lines[key_loc] = line
    return problems


def _scalar_problem(loader: Any, node: yaml.ScalarNode, loc: Loc) -> Problem | None:
    """A scalar that cannot be built: a 5,000-digit number (Python refuses to convert it),
    a date such as 2024-13-45."""
    line = node.start_mark.line + 1
    if node.tag == f"{_TAG}int" and len(node.value) > _MAX_INT_DIGITS:
        return Problem(loc, f"a number longer than {_MAX_INT_DIGITS} digits", line)
    try:
        loader.construct_object(node)
    except (ValueError, OverflowError, yaml.YAMLError) as exc:
        if node.tag == f"{_TAG}timestamp":
            return Problem(loc, f"not a valid date or time ({exc}); quote it if it is text", line)
        return Problem(loc, f"cannot read this value as {_short_tag(node.tag)}", line)
    return None


def _python_error(text: str, exc: yaml.YAMLError) -> yaml.YAMLError:
    """PyYAML's own parser's error, when it says more than libyaml's ("expected ',' or
    '}', but got '<stream end>'" rather than "did not find expected ',' or '}'").

    PyYAML's scanner slows down with each flow collection left open, so it reads at most
    the first 64 KiB, up to the end of the line libyaml stopped on; libyaml's own error
    stands otherwise, and for nesting (libyaml stops at 1,000 levels).
    """
    mark = getattr(exc, "problem_mark", None)
    if mark is None or "nesting depth" in str(getattr(exc, "problem", "")):
        return exc
    end = text.find("\n", mark.index)
    prefix = text if end < 0 else text[: end + 1]
    if len(prefix) > 64 * 1024:
        return exc
    try:
        for _ in yaml.parse(prefix, Loader=yaml.SafeLoader):
            pass
    except yaml.YAMLError as python:
        python_mark = getattr(python, "problem_mark", None)
        if python_mark is not None and python_mark.line <= mark.line:
            return python
    return exc


def _yaml_problem(exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or "not valid YAML"
    if "nesting depth" in problem:  # libyaml's own limit, met before an event came out
        return Problem((), _TOO_DEEP, line)
    context = getattr(exc, "context", None)
    if context and problem.startswith("but "):  # libyaml: "but found another document"
        problem = f"{context}, {problem}"
    if "'\\t'" in problem or "tab character" in problem:
        problem += " (indent with spaces, not tabs)"
    return Problem((), f"not valid YAML: {problem}", line)


def _capped(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_REPORTED:
        return problems
    rest = len(problems) - MAX_REPORTED
    last = problems[MAX_REPORTED - 1].line
    return [
        *problems[:MAX_REPORTED],
        Problem((), f"and {rest:,} more problem(s) of the file's text after this line", last),
    ]


def _short_tag(tag: str) -> str:
    return _short(tag.replace(_TAG, "!!"))


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
