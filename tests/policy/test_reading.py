"""Reading a policy's YAML with bounds: size, encoding, depth, anchors, tags, repeated keys.

Each refusal names the line and what was expected; none builds the document first.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from pdpipe.policy import PolicyError, Problem, load_policy
from pdpipe.policy.errors import MAX_SHOWN
from pdpipe.policy.reading import MAX_BYTES, MAX_DEPTH, PolicyTextError, read_document
from tests.policy.builders import GOOD, edited, line_of, parse, problems

ANCHORS = (
    "YAML anchors (&name) and aliases (*name) are not allowed in a policy: write the value "
    "out where it is used"
)


def text_problems(text: str) -> list[Problem]:
    with pytest.raises(PolicyTextError) as caught:
        read_document(text)
    return caught.value.problems


def file_problems(path: Path) -> list[Problem]:
    with pytest.raises(PolicyError) as caught:
        load_policy(path, environ={})
    return caught.value.problems


# Size


def test_when_a_file_is_larger_than_the_limit_then_it_is_refused_naming_its_size(
    tmp_path: Path,
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_bytes(b"# padding\n" * (MAX_BYTES // 10 + 1))
    size = path.stat().st_size

    assert file_problems(path) == [
        Problem(
            (),
            f"the file is {size:,} bytes (1.0 MiB); a policy may be at most 1 MiB "
            "(1,048,576 bytes): is this the policy file?",
        )
    ]


def test_when_a_file_is_exactly_at_the_limit_then_it_is_read() -> None:
    text = GOOD + "#" * (MAX_BYTES - len(GOOD.encode()) - 1) + "\n"

    assert len(text.encode()) == MAX_BYTES
    assert parse(text).version == 1


def test_when_text_given_to_parse_policy_is_too_large_then_it_is_refused_too() -> None:
    found = problems(GOOD + "#" * MAX_BYTES)

    assert len(found) == 1
    assert "a policy may be at most 1 MiB" in found[0].message


# Encoding and characters


def test_when_the_file_starts_with_a_utf8_bom_then_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_bytes(codecs.BOM_UTF8 + GOOD.encode())

    assert load_policy(path, environ={}).operator.name == "IPM"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_when_the_file_is_utf16_or_utf32_then_it_is_refused_naming_the_encoding(
    tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_bytes(GOOD.encode(encoding))  # Python writes the BOM

    name = encoding.upper()
    assert file_problems(path) == [
        Problem((), f"the file is encoded as {name}: save it as UTF-8", 1)
    ]


def test_when_a_character_is_not_allowed_in_yaml_then_its_line_is_named() -> None:
    text = edited(GOOD, ("name: IPM", "name: I\x00PM"))

    assert text_problems(text) == [
        Problem(
            (),
            "character U+0000 is not allowed in YAML: the file is binary, or not UTF-8 text "
            "(a policy is a UTF-8 text file)",
            line_of(text, "I\x00PM"),
        )
    ]


# Anchors, aliases, merge keys and tags


def test_when_anchors_and_aliases_are_used_then_one_problem_names_every_line() -> None:
    text = "a: &x [1, 2]\nb: *x\nc: *x\n"

    assert text_problems(text) == [Problem((), f"{ANCHORS} (also on lines 2, 3)", 1)]


def test_when_an_alias_bomb_is_read_then_it_is_refused_without_expanding_it() -> None:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    text = "\n".join(lines) + "\nbomb: *l9\n"

    (problem,) = text_problems(text)

    assert problem.line == 1
    assert problem.message.startswith(ANCHORS)
    assert problem.message.endswith("(also on lines 2, 3, 4, 5, 6 and 5 more)")


def test_when_a_merge_key_is_used_then_it_is_refused_at_its_line() -> None:
    text = edited(GOOD, ("    on_end: destroy\n", "    on_end: destroy\n    <<: {keep_for: P1Y}\n"))

    assert problems(text) == [
        Problem(
            ("purposes", 0),
            "YAML merge keys (<<) are not allowed in a policy: write each key out",
            line_of(text, "<<"),
        )
    ]


@pytest.mark.parametrize("tag", ["!!binary", "!!set", "!!omap", "!!python/object:os.system"])
def test_when_a_value_has_a_tag_beyond_the_core_ones_then_it_is_refused(tag: str) -> None:
    text = edited(GOOD, ("name: IPM", f"name: {tag} aGVsbG8="))

    assert text_problems(text) == [
        Problem(
            (),
            f"the YAML tag '{tag}' is not allowed in a policy (a policy holds text, numbers, "
            "true/false, dates, lists and mappings)",
            line_of(text, tag),
        )
    ]


def test_when_a_core_tag_is_written_out_then_it_is_read() -> None:
    text = edited(GOOD, ("name: IPM", "name: !!str IPM"))

    assert parse(text).operator.name == "IPM"


# Depth


def test_when_collections_nest_deeper_than_the_limit_then_the_line_is_named() -> None:
    text = "a:\n" + "".join(f"{'  ' * i}- \n" for i in range(1, MAX_DEPTH + 5))

    assert text_problems(text) == [
        Problem(
            (),
            f"nested deeper than {MAX_DEPTH} levels of mappings and lists: a policy needs about 12",
            MAX_DEPTH + 1,
        )
    ]


def test_when_a_flow_list_nests_100000_deep_then_it_is_refused_without_recursion() -> None:
    text = "a: " + "[" * 100_000 + "]" * 100_000 + "\n"

    (problem,) = text_problems(text)

    assert problem.message.startswith(f"nested deeper than {MAX_DEPTH} levels")
    assert problem.line == 1


def test_when_collections_nest_exactly_to_the_limit_then_they_are_read() -> None:
    text = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"

    assert read_document(text).data is not None


# Repeated keys


@pytest.mark.parametrize(
    ("edit", "path", "key", "first", "second"),
    [
        (
            ("stores:\n", "stores: []\nstores:  # again\n"),
            "stores",
            "stores",
            "stores: []",
            "# again",
        ),
        (
            ("  timezone: Asia/Almaty\n", "  timezone: Asia/Almaty\n  name: Other\n"),
            "operator.name",
            "name",
            "name: IPM",
            "name: Other",
        ),
        (
            ("    on_end: destroy\n", "    on_end: destroy\n    on_end: depersonalize\n"),
            "purposes[0].on_end",
            "on_end",
            "on_end: destroy",
            "on_end: depersonalize",
        ),
        (
            ("when: {status: blocklisted}", "when: {status: blocklisted, status: active}"),
            "stores[0].tables[0].ends[0].when.status",
            "status",
            "status: blocklisted",
            "status: blocklisted",
        ),
        (
            ("{mask: {keep_last: 2}}", "{mask: {keep_last: 2, keep_last: 4}}"),
            'stores[0].tables[0].columns["attribs.phone"].depersonalize.mask.keep_last',
            "keep_last",
            "keep_last: 2",
            "keep_last: 2",
        ),
    ],
    ids=["top_level", "operator", "purpose", "condition", "operator_options"],
)
def test_when_a_key_repeats_then_the_second_is_refused_with_both_lines(
    edit: tuple[str, str], path: str, key: str, first: str, second: str
) -> None:
    text = edited(GOOD, edit)
    (problem,) = problems(text)

    assert (problem.path, problem.line) == (path, line_of(text, second))
    assert problem.message == (
        f"duplicate key '{key}' (first at line {line_of(text, first)}): YAML would keep only "
        "the last; remove one"
    )


def test_when_keys_differ_only_in_spelling_of_the_same_value_then_they_repeat() -> None:
    # 1 and 0x1 are the same integer: YAML would keep only one of them.
    assert text_problems("a:\n  1: x\n  0x1: y\n") == [
        Problem(
            ("a", "0x1"),
            "duplicate key '0x1' (first at line 2): YAML would keep only the last; remove one",
            3,
        )
    ]


def test_when_several_keys_repeat_then_each_is_reported() -> None:
    found = text_problems("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n")

    assert [(p.path, p.line) for p in found] == [("a", 2), ("b.c", 5)]


# Values YAML cannot build


def test_when_a_date_does_not_exist_then_its_line_is_named() -> None:
    text = edited(GOOD, ("when: {status: blocklisted}", "when: {created: {lt: 2024-13-45}}"))

    (problem,) = problems(text)

    assert problem.path == "stores[0].tables[0].ends[0].when.created.lt"
    assert problem.message.startswith("not a valid date or time (month must be in 1..12)")
    assert problem.line == line_of(text, "2024-13-45")


def test_when_a_number_has_thousands_of_digits_then_it_is_refused_not_converted() -> None:
    text = edited(GOOD, ("version: 1", f"version: {'9' * 5000}"))

    assert problems(text) == [Problem(("version",), "a number longer than 100 digits", 1)]


# Lines and output


def test_when_the_document_is_read_then_each_key_has_its_line() -> None:
    lines = read_document(GOOD).lines

    assert lines[("purposes", 0, "on_end")] == line_of(GOOD, "on_end")
    assert lines[("stores", 0, "tables", 0, "columns", "attribs.phone")] == line_of(
        GOOD, "attribs.phone"
    )


def test_when_a_file_has_more_problems_than_are_shown_then_the_rest_are_counted() -> None:
    text = GOOD + "".join(f"extra{i}: 1\n" for i in range(MAX_SHOWN + 50))

    with pytest.raises(PolicyError) as caught:
        parse(text)

    rendered = str(caught.value).splitlines()
    assert rendered[0] == f"/srv/pdpipe/policy.yaml: {MAX_SHOWN + 50} problems"
    assert len(rendered) == MAX_SHOWN + 2
    assert rendered[-1] == "  … and 50 more"


def test_when_many_keys_repeat_then_the_first_twenty_are_listed_and_the_rest_counted() -> None:
    text = "".join(f"a{i}:\n  b: 1\n  b: 2\n" for i in range(30))

    found = text_problems(text)

    assert [p.path for p in found[:2]] == ["a0.b", "a1.b"]
    assert found[-1] == Problem(
        (), "and 10 more problem(s) of the file's text after this line", found[-2].line
    )
    assert len(found) == 21
