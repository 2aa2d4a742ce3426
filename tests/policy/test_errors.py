"""Problems and PolicyError: how a place in the file and a message are shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdpipe.errors import BadInput, PdpipeError
from pdpipe.policy import PolicyError, Problem
from pdpipe.policy.errors import Loc, format_loc

FILE = Path("conf/policy.yaml")


@pytest.mark.parametrize(
    ("loc", "text"),
    [
        ((), "(top level)"),
        (("version",), "version"),
        (("stores", 0, "tables", 1, "key"), "stores[0].tables[1].key"),
        (
            ("stores", 0, "tables", 0, "columns", "attribs.phone"),
            'stores[0].tables[0].columns["attribs.phone"]',
        ),
        (("purposes", 2, "incompatible_with", 0), "purposes[2].incompatible_with[0]"),
    ],
)
def test_when_a_location_is_formatted_then_it_reads_like_the_yaml_path(loc: Loc, text: str) -> None:
    assert format_loc(loc) == text


@pytest.mark.parametrize(
    ("problem", "file", "text"),
    [
        (
            Problem(("version",), "Input should be 1", 1),
            FILE,
            "conf/policy.yaml:1: version: Input should be 1",
        ),
        (Problem((), "file not found"), FILE, "conf/policy.yaml: (top level): file not found"),
        (Problem(("version",), "Input should be 1", 1), None, "version: Input should be 1"),
    ],
    ids=["with_line", "without_line", "without_file"],
)
def test_when_a_problem_is_rendered_then_file_line_path_and_message_are_joined(
    problem: Problem, file: Path | None, text: str
) -> None:
    assert problem.render(file) == text


def test_when_an_error_holds_one_problem_then_its_head_says_1_problem() -> None:
    error = PolicyError([Problem(("operator", "timezone"), "unknown timezone 'X'", 5)], FILE)

    assert str(error) == (
        "conf/policy.yaml: 1 problem\n  conf/policy.yaml:5: operator.timezone: unknown timezone 'X'"
    )


def test_when_an_error_holds_several_problems_then_its_head_counts_them() -> None:
    error = PolicyError([Problem(("a",), "x", 1), Problem(("b",), "y", 2)])

    assert str(error) == "policy: 2 problems\n  a: x\n  b: y"


def test_when_collect_gets_no_problem_then_nothing_is_raised() -> None:
    PolicyError.collect(iter([]), FILE)


def test_when_collect_gets_problems_then_it_raises_with_all_of_them() -> None:
    found = [Problem(("a",), "x"), Problem(("b",), "y")]

    with pytest.raises(PolicyError) as caught:
        PolicyError.collect(iter(found), FILE)

    assert (caught.value.problems, caught.value.file) == (found, FILE)


def test_when_a_policy_is_wrong_then_the_error_is_bad_input_of_pdpipe() -> None:
    error = PolicyError([])

    assert isinstance(error, BadInput) and isinstance(error, PdpipeError)
    assert error.exit_code == 2
