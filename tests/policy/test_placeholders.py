"""A value that begins with TODO (what `pdpipe init` writes where a person must decide) is
refused at its line, once, saying what to decide; nothing else is reported there."""

from __future__ import annotations

from pdpipe.policy.placeholders import is_placeholder
from tests.policy.builders import GOOD, edited, line_of, parse, problems


def test_each_todo_is_one_problem_at_its_line_with_its_hint() -> None:
    text = edited(
        GOOD,
        ("keep_for: P5Y", "keep_for: 'TODO: how long after the clock'"),
        ("on_end: destroy", "on_end: TODO"),
    )
    found = problems(text)
    assert [(p.path, p.line) for p in found] == [
        ("purposes[0].keep_for", line_of(text, "keep_for: 'TODO")),
        ("purposes[0].on_end", line_of(text, "on_end: TODO")),
    ]
    assert found[0].message == (
        "TODO placeholder: a person must decide this value (how long after the clock)"
    )
    assert found[1].message == "TODO placeholder: a person must decide this value"


def test_a_todo_where_any_text_is_valid_is_refused_too() -> None:
    text = edited(
        GOOD,
        (
            "title: Informing the User by sending emails",
            "title: 'TODO: the purpose, as your policy document names it'",
        ),
    )
    assert [p.path for p in problems(text)] == ["purposes[0].title"]


def test_the_problems_a_todo_hides_are_only_its_own() -> None:
    text = edited(GOOD, ("on_end: destroy", "on_end: TODO"), ("P5Y", "5 years"))
    assert [p.path for p in problems(text)] == ["purposes[0].keep_for", "purposes[0].on_end"]
    keep_for = problems(text)[0]
    assert "TODO" not in keep_for.message


def test_a_todo_in_a_url_is_refused_without_repeating_it() -> None:
    url_line = next(line for line in GOOD.splitlines() if "url:" in line)
    text = edited(GOOD, (url_line, url_line.split("url:")[0] + "url: 'TODO: hunter2'"))
    (found,) = problems(text)
    assert found.path == "stores[0].url"
    assert "hunter2" not in found.message


def test_todo_is_a_placeholder_only_as_a_word_at_the_start() -> None:
    assert is_placeholder("TODO") and is_placeholder("TODO: decide") and is_placeholder(" TODO-x")
    assert not is_placeholder("TODOS") and not is_placeholder("a TODO") and not is_placeholder(3)
    text = edited(GOOD, ("title: Informing", "title: TODOs of Informing"))
    assert parse(text).purposes[0].title.startswith("TODOs")
