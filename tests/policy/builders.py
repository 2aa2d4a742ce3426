"""Policies for the tests: the good one in cases/, and variants made by small text edits.

A variant reads as the edit that breaks it: ``edited(GOOD, ("P5Y", "5 years"))``. Each
edit must match exactly once, so a test cannot silently stop testing what it says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pdpipe.policy import Policy, PolicyError, Problem, parse_policy

CASES = Path(__file__).parent / "cases"
GOOD_FILE = CASES / "good.yaml"
GOOD = GOOD_FILE.read_text(encoding="utf-8")

# Where parse_policy pretends the text was read from (relative sqlite paths anchor here).
POLICY_FILE = Path("/srv/pdpipe/policy.yaml")

Edit = tuple[str, str]

# A second purpose that is incompatible with the first (clause 5.3 tests).
MARKETING = """\
  - id: marketing
    title: Advertising
    legal_ground: consent
    processing: [collection]
    data: [email]
    incompatible_with: [email-informing]
"""


def edited(text: str, *edits: Edit) -> str:
    """`text` with each (old, new) replacement applied; `old` must occur exactly once."""
    for old, new in edits:
        count = text.count(old)
        assert count == 1, f"{old!r} occurs {count} times in the policy"
        text = text.replace(old, new)
    return text


def line_of(text: str, marker: str) -> int:
    """The 1-based line on which the only occurrence of `marker` starts."""
    assert text.count(marker) == 1, f"{marker!r} must occur exactly once"
    return text[: text.index(marker)].count("\n") + 1


def parse(text: str, environ: Mapping[str, str] | None = None) -> Policy:
    return parse_policy(text, POLICY_FILE, environ or {})


def problems(text: str, environ: Mapping[str, str] | None = None) -> list[Problem]:
    """Every problem found in `text`; fails the test when the text is valid."""
    try:
        parse(text, environ)
    except PolicyError as exc:
        return exc.problems
    raise AssertionError("the policy was accepted")


def only_problem(text: str, environ: Mapping[str, str] | None = None) -> Problem:
    found = problems(text, environ)
    assert len(found) == 1, [p.render() for p in found]
    return found[0]


@dataclass(frozen=True)
class Bad:
    """A broken variant of the good policy and the one problem it must produce."""

    name: str
    edits: tuple[Edit, ...]
    path: str
    message: str
    at: str  # text found only on the line the problem points at


def assert_the_one_problem(bad: Bad) -> None:
    """The broken variant yields exactly `bad`'s problem: path, message and line."""
    text = edited(GOOD, *bad.edits)
    problem = only_problem(text)
    assert (problem.path, problem.message, problem.line) == (
        bad.path,
        bad.message,
        line_of(text, bad.at),
    )
