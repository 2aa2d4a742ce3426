"""Where each value of a YAML document starts, so errors can name the line."""

from __future__ import annotations

from pdpipe.policy.errors import Loc
from pdpipe.policy.reading import node_lines, node_places


def value_lines(text: str) -> dict[Loc, int]:
    """Map each path (('stores', 0, 'url')) to the 1-based line its value starts on (a
    mapping key's own line); {} when the text is not a readable policy. Read with the
    same bounds as the policy itself: this runs again after loading, to place problems
    found against the stores."""
    return node_lines(text)


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of `loc`, or of its nearest ancestor that exists in the file."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def value_places(text: str) -> tuple[dict[Loc, int], dict[Loc, tuple[int, int]]]:
    """`value_lines`, and where each value itself starts (line, column), 1-based."""
    return node_places(text)
