"""load_policy: files that cannot be read, are not YAML, and files with many problems at once."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from pdpipe.errors import BadInput
from pdpipe.policy import PolicyError, Problem, load_policy, parse_policy
from tests.policy.builders import CASES, GOOD, GOOD_FILE, edited, line_of, parse, problems

NOT_A_MAPPING = "expected a mapping with version, operator, purposes, stores"
EMPTY = f"the file is empty: {NOT_A_MAPPING}"


def load_problems(path: Path) -> list[Problem]:
    with pytest.raises(PolicyError) as caught:
        load_policy(path, environ={})
    assert caught.value.file == path
    return caught.value.problems


def test_when_the_good_file_is_loaded_then_the_policy_comes_back() -> None:
    policy = load_policy(GOOD_FILE, environ={})

    assert [(s.name, [t.name for t in s.tables]) for s in policy.stores] == [
        ("mailing", ["subscribers"])
    ]


def test_when_the_file_does_not_exist_then_the_whole_message_says_so(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"

    with pytest.raises(PolicyError) as caught:
        load_policy(path, environ={})

    assert caught.value.problems == [Problem((), "file not found")]
    assert str(caught.value) == f"{path}: 1 problem\n  {path}: (top level): file not found"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.mkdir(), "cannot read the file: IsADirectoryError"),
    ],
    ids=["a_directory"],
)
def test_when_the_file_cannot_be_read_then_the_reason_is_named_without_its_content(
    tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    path = tmp_path / "policy.yaml"
    make(path)

    assert load_problems(path) == [Problem((), message)]


def test_when_the_file_is_not_utf8_then_the_line_of_the_first_bad_byte_is_named(
    tmp_path: Path,
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_bytes(b"version: 1\nname: \xff\xfe\n")

    assert load_problems(path) == [
        Problem(
            (),
            "not UTF-8: byte 0xFF cannot be read as UTF-8 (a Latin-1 or Windows-1251 file?): "
            "save the file as UTF-8",
            2,
        )
    ]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ((CASES / "empty.yaml").read_text(), EMPTY, None),
        ("# only a comment\n", EMPTY, None),
        ("- version: 1\n", f"{NOT_A_MAPPING}; found a list", 1),
        ("just words\n", f"{NOT_A_MAPPING}; found a single value", 1),
        (
            (CASES / "not_yaml.yaml").read_text(),
            "not valid YAML: mapping values are not allowed here",
            4,
        ),
        (
            "version: 1\noperator: {name: IPM\n",
            "not valid YAML: expected ',' or '}', but got '<stream end>'",
            3,
        ),
        (
            "version: 1\n\toperator: x\n",
            "not valid YAML: found character '\\t' that cannot start any token (indent with "
            "spaces, not tabs)",
            2,
        ),
    ],
    ids=["empty", "comment_only", "a_list", "a_string", "bad_indent", "unclosed_brace", "tab"],
)
def test_when_the_file_is_not_a_yaml_mapping_then_one_top_level_problem_says_so(
    text: str, message: str, line: int | None
) -> None:
    assert problems(text) == [Problem((), message, line)]


def test_when_the_file_is_not_yaml_then_the_rendered_problem_names_file_and_line() -> None:
    path = CASES / "not_yaml.yaml"

    with pytest.raises(PolicyError) as caught:
        load_policy(path, environ={})

    assert str(caught.value).splitlines()[1] == (
        f"  {path}:4: (top level): not valid YAML: mapping values are not allowed here"
    )


def test_when_a_policy_has_problems_then_the_error_is_bad_input_with_exit_code_2() -> None:
    with pytest.raises(BadInput) as caught:
        load_policy(CASES / "empty.yaml", environ={})

    assert isinstance(caught.value, PolicyError)
    assert caught.value.exit_code == 2


def test_when_several_cross_reference_problems_exist_then_all_four_are_reported() -> None:
    path = CASES / "several_problems.yaml"

    found = load_problems(path)

    assert [(p.line, p.path) for p in found] == [
        (23, "stores[0].tables[0].columns.email.depersonalize"),
        (24, "stores[0].tables[0].columns.phone.depersonalize"),
        (25, "stores[0].tables[0].columns.birthday.data"),
        (28, "stores[0].tables[1].purpose"),
    ]
    assert found[3].message == "unknown purpose 'newsletters' (known: email-informing)"


def test_when_several_problems_exist_then_the_error_text_counts_and_lists_them() -> None:
    path = CASES / "several_problems.yaml"

    with pytest.raises(PolicyError) as caught:
        load_policy(path, environ={})

    lines = str(caught.value).splitlines()
    assert lines[0] == f"{path}: 4 problems"
    assert lines[1] == (
        f"  {path}:23: stores[0].tables[0].columns.email.depersonalize: unknown operator "
        "'hsah' (known: distort, drop_key, fake, generalize, mask, pseudonym, "
        "pseudonym_email, redact, scrub, shuffle)"
    )
    assert len(lines) == 5


def test_when_several_structural_problems_exist_then_all_four_are_reported() -> None:
    text = edited(
        GOOD,
        ("version: 1", "version: 2"),
        ("Asia/Almaty", "Mars/Olympus"),
        ("keep_for: P5Y", "keep_for: 5y"),
        ("    on_end: destroy\n", "    on_end: destroy\n    retention: P1Y\n"),
    )

    found = problems(text)

    assert [(p.path, p.line) for p in found] == [
        ("version", 1),
        ("operator.timezone", line_of(text, "Mars/Olympus")),
        ("purposes[0].keep_for", line_of(text, "keep_for")),
        ("purposes[0].retention", line_of(text, "retention")),
    ]


def test_when_a_variable_is_missing_and_the_structure_is_wrong_then_both_are_reported() -> None:
    text = edited(
        GOOD,
        ("${PDPIPE_MAILING_URL:-sqlite:///mailing.db}", "${NOPE}"),
        ("Asia/Almaty", "Mars/Olympus"),
    )

    assert [p.path for p in problems(text)] == ["operator.timezone", "stores[0].url"]


def test_when_a_sqlite_url_is_malformed_then_it_is_reported_once() -> None:
    text = edited(GOOD, ("${PDPIPE_MAILING_URL:-sqlite:///mailing.db}", "sqlite:/mailing.db"))

    assert problems(text) == [
        Problem(
            ("stores", 0, "url"),
            "not a SQLAlchemy URL (expected e.g. postgresql+psycopg://user@host/db)",
            line_of(text, "url:"),
        )
    ]


@pytest.mark.parametrize(
    ("url", "environ"),
    [("${DB_URL}", {"DB_URL": "sqlite:/mailing.db"}), ("${DB_URL:-sqlite:/mailing.db}", {})],
    ids=["from_the_environment", "from_the_default"],
)
def test_when_an_interpolated_sqlite_url_is_malformed_then_it_is_reported(
    url: str, environ: dict[str, str]
) -> None:
    text = edited(GOOD, ("${PDPIPE_MAILING_URL:-sqlite:///mailing.db}", url))

    assert problems(text, environ) == [
        Problem(
            ("stores", 0, "url"),
            "not a SQLAlchemy URL (expected e.g. postgresql+psycopg://user@host/db)",
            line_of(text, "url:"),
        )
    ]


def test_when_a_policy_error_is_pickled_then_it_reads_back_whole() -> None:
    # Prefect keeps a failed task's exception by pickling it.
    error = PolicyError([Problem(("stores", 0, "url"), "not a URL", line=7)], Path("p.yaml"))

    again = pickle.loads(pickle.dumps(error))

    assert str(again) == str(error)
    assert again.problems == error.problems and again.exit_code == 2


WORKS_WITH = (
    "pdpipe works with sqlite://, postgresql+psycopg://, mysql+mysqlconnector://, "
    "mariadb+mysqlconnector://, mysql+pymysql://, mariadb+pymysql://"
)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("foo://x", f"'foo' is not a database pdpipe works with ({WORKS_WITH})"),
        ("mssql+pyodbc://db/x", f"'mssql' is not a database pdpipe works with ({WORKS_WITH})"),
        (
            "postgresql+nodriver://db/x",
            f"unknown driver 'nodriver' for postgresql (write postgresql+psycopg://; {WORKS_WITH})",
        ),
        (
            "mysql+mysqldb://db/x",
            f"the driver 'mysqldb' is not installed (write mysql+mysqlconnector://; {WORKS_WITH})",
        ),
        (
            "postgresql+asyncpg://db/x",
            "'postgresql+asyncpg' is an asyncio driver; pdpipe needs a synchronous one "
            "(write postgresql+psycopg://)",
        ),
    ],
    ids=["unknown_dialect", "unsupported_dialect", "unknown_driver", "driver_missing", "async"],
)
def test_when_a_store_url_names_a_database_or_driver_pdpipe_cannot_use_then_it_is_refused(
    url: str, message: str
) -> None:
    text = edited(GOOD, ("${PDPIPE_MAILING_URL:-sqlite:///mailing.db}", url))

    assert problems(text) == [
        Problem(("stores", 0, "url"), f"store 'mailing': {message}", line_of(text, "url:"))
    ]


@pytest.mark.parametrize(
    "url",
    [
        "mysql://db/x",  # no driver named: Connector/Python's C extension (or PyMySQL)
        "mariadb://db/x",
        "mysql+mysqlconnector://db/x",
        "mariadb+mysqlconnector://db/x",
        "mysql+pymysql://db/x",
        "mariadb+pymysql://db/x",
    ],
)
def test_a_mariadb_url_with_either_driver_or_none_is_accepted(url: str) -> None:
    policy = parse(edited(GOOD, ("${PDPIPE_MAILING_URL:-sqlite:///mailing.db}", url)))
    assert policy.stores[0].url == url


def test_when_an_unknown_dialect_comes_from_the_environment_then_no_password_is_shown() -> None:
    environ = {"PDPIPE_MAILING_URL": "foo+bar://ivan:Canary-Pw-7731@db.example/mailing"}

    with pytest.raises(PolicyError) as caught:
        parse_policy(GOOD, Path("/srv/policy.yaml"), environ)

    assert "not a database pdpipe works with" in str(caught.value)
    assert "Canary-Pw-7731" not in str(caught.value)
    assert "ivan" not in str(caught.value)
