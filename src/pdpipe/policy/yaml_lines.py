"""Where each value of a YAML document starts, so errors can name the line."""

from __future__ import annotations

import yaml

from pdpipe.policy.errors import Loc


def value_lines(text: str) -> dict[Loc, int]:
    """Map each path (('stores', 0, 'url')) to the 1-based line its value starts on."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[Loc, int] = {}

    def visit(node: yaml.Node, loc: Loc) -> None:
        lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = (*loc, str(key_node.value))
                visit(value_node, key)
                lines[key] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                visit(item, (*loc, index))

    if root is not None:
        visit(root, ())
    return lines


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of `loc`, or of its nearest ancestor that exists in the file."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None
