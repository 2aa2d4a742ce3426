"""Where each value of a YAML document starts, so a problem can name its line."""

from __future__ import annotations

from pdpipe.policy.yaml_lines import line_of, value_lines

TEXT = """\
version: 1
stores:
  - name: mailing
    tables:
      - name: subscribers
        columns:
          attribs.phone: {data: phone}
"""


def test_when_a_document_is_mapped_then_each_path_has_the_line_of_its_key() -> None:
    lines = value_lines(TEXT)

    assert lines[("version",)] == 1
    assert lines[("stores", 0)] == 3
    assert lines[("stores", 0, "tables", 0, "name")] == 5
    assert lines[("stores", 0, "tables", 0, "columns", "attribs.phone", "data")] == 7


def test_when_a_path_is_not_in_the_file_then_its_nearest_ancestor_answers() -> None:
    lines = value_lines(TEXT)

    assert line_of(lines, ("stores", 0, "tables", 0, "key")) == 5
    assert line_of(lines, ("operator", "name")) == 1


def test_when_the_text_is_not_yaml_then_no_line_is_known() -> None:
    lines = value_lines("a: [1,\n")

    assert lines == {}
    assert line_of(lines, ("a",)) is None


def test_when_the_text_is_empty_then_no_line_is_known() -> None:
    assert value_lines("") == {}
