"""${VAR} in store URLs: values from the environment, defaults, and passwords kept out of sight."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdpipe.policy import PolicyError, load_policy
from pdpipe.policy.interpolation import MissingVariable, anchor_sqlite_path, interpolate
from tests.policy.builders import GOOD, Edit, edited, line_of, only_problem, parse

PASSWORD = "Hunter2-Kh8vQ"
DB_URL = f"postgresql+psycopg://app:{PASSWORD}@db.example:5432/mailing"
TEMPLATE = "${PDPIPE_MAILING_URL:-sqlite:///mailing.db}"


@pytest.mark.parametrize(
    ("text", "environ", "expected"),
    [
        ("${DB}", {"DB": "sqlite://"}, "sqlite://"),
        ("${DB:-sqlite:///d.db}", {"DB": "sqlite:///x.db"}, "sqlite:///x.db"),
        ("${DB:-sqlite:///d.db}", {}, "sqlite:///d.db"),
        ("${DB:-sqlite:///d.db}", {"DB": ""}, "sqlite:///d.db"),
        ("${DB:-}", {}, ""),
        ("no references", {}, "no references"),
        ("$DB stays", {"DB": "x"}, "$DB stays"),
        (
            "postgresql+psycopg://${USER}:${PASS}@${HOST:-localhost}:${PORT:-5432}/${DB}",
            {"USER": "app", "PASS": "pw", "DB": "mailing", "PORT": "6432"},
            "postgresql+psycopg://app:pw@localhost:6432/mailing",
        ),
    ],
    ids=[
        "set",
        "set_wins_over_default",
        "unset_uses_default",
        "empty_uses_default",
        "empty_default",
        "plain_text",
        "dollar_without_braces",
        "several_references",
    ],
)
def test_when_a_url_names_variables_then_each_is_replaced(
    text: str, environ: dict[str, str], expected: str
) -> None:
    assert interpolate(text, environ) == expected


@pytest.mark.parametrize("environ", [{}, {"DB_URL": ""}], ids=["unset", "empty"])
def test_when_a_variable_without_default_is_unset_or_empty_then_it_is_named(
    environ: dict[str, str],
) -> None:
    with pytest.raises(MissingVariable) as caught:
        interpolate("x://${HOST:-h}/${DB_URL}", environ)

    assert caught.value.name == "DB_URL"
    assert str(caught.value) == (
        "environment variable DB_URL is not set or empty (set it, or write ${DB_URL:-default})"
    )


def test_when_a_policy_url_names_a_missing_variable_then_path_line_and_message_are_exact() -> None:
    text = edited(GOOD, (TEMPLATE, "${PDPIPE_MISSING_URL}"))

    problem = only_problem(text)

    assert (problem.path, problem.message, problem.line) == (
        "stores[0].url",
        "environment variable PDPIPE_MISSING_URL is not set or empty "
        "(set it, or write ${PDPIPE_MISSING_URL:-default})",
        line_of(text, "url:"),
    )


def test_when_a_policy_url_has_several_references_then_all_are_filled_from_environ() -> None:
    text = edited(
        GOOD, (TEMPLATE, "postgresql+psycopg://${DB_USER}:${DB_PASSWORD}@${DB_HOST:-db}/mailing")
    )

    policy = parse(text, {"DB_USER": "app", "DB_PASSWORD": PASSWORD})

    assert policy.stores[0].url == f"postgresql+psycopg://app:{PASSWORD}@db/mailing"


def test_when_environ_is_given_then_os_environ_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_MAILING_URL", "postgresql+psycopg://from-os-environ/db")
    path = tmp_path / "policy.yaml"
    path.write_text(GOOD, encoding="utf-8")

    policy = load_policy(path, environ={"PDPIPE_MAILING_URL": "sqlite:////data/given.db"})

    assert policy.stores[0].url == "sqlite:////data/given.db"


def test_when_environ_is_not_given_then_os_environ_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_MAILING_URL", DB_URL)
    path = tmp_path / "policy.yaml"
    path.write_text(GOOD, encoding="utf-8")

    assert load_policy(path).stores[0].url == DB_URL


# Passwords come from the environment and must never be printed.


def test_when_a_password_comes_from_the_environment_then_safe_url_hides_it() -> None:
    store = parse(GOOD, {"PDPIPE_MAILING_URL": DB_URL}).stores[0]

    assert store.url == DB_URL
    assert store.safe_url == "postgresql+psycopg://app:***@db.example:5432/mailing"


def test_when_a_policy_with_a_password_is_printed_then_the_password_is_not_in_it() -> None:
    policy = parse(GOOD, {"PDPIPE_MAILING_URL": DB_URL})

    for shown in (repr(policy), str(policy), repr(policy.stores[0]), str(policy.stores)):
        assert PASSWORD not in shown


@pytest.mark.parametrize(
    ("edits", "environ_url"),
    [
        ((("depersonalize: redact", "depersonalize: hsah"),), DB_URL),
        ((("Asia/Almaty", "Mars/Olympus"),), DB_URL),
        ((), f"postgresql+psycopg://app:{PASSWORD}@db.example:54x2/mailing"),
    ],
    ids=["cross_reference_problem", "structural_problem", "bad_port"],
)
def test_when_a_policy_with_a_password_has_problems_then_the_error_does_not_show_it(
    edits: tuple[Edit, ...], environ_url: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        parse(edited(GOOD, *edits), {"PDPIPE_MAILING_URL": environ_url})

    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in repr(caught.value.problems)


def test_when_a_url_from_the_environment_is_not_a_url_then_it_is_not_echoed() -> None:
    with pytest.raises(PolicyError) as caught:
        parse(GOOD, {"PDPIPE_MAILING_URL": f"app:{PASSWORD}@nowhere"})

    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("stores[0].url", "not a SQLAlchemy URL (expected e.g. postgresql+psycopg://user@host/db)")
    ]
    assert PASSWORD not in str(caught.value)


# Relative SQLite paths are read against the policy file's folder, not the working directory.


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///mailing.db", "sqlite:///{base}/mailing.db"),
        ("sqlite:///data/mailing.db", "sqlite:///{base}/data/mailing.db"),
        ("sqlite:///../shared/mailing.db", "sqlite:///{parent}/shared/mailing.db"),
        ("sqlite+pysqlite:///mailing.db", "sqlite+pysqlite:///{base}/mailing.db"),
        ("sqlite:///mailing.db?mode=ro", "sqlite:///{base}/mailing.db?mode=ro"),
        ("sqlite:////var/lib/mailing.db", "sqlite:////var/lib/mailing.db"),
        ("sqlite://", "sqlite://"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql+psycopg://app@db/mailing", "postgresql+psycopg://app@db/mailing"),
    ],
)
def test_when_a_sqlite_path_is_relative_then_it_is_anchored_at_the_policy_folder(
    tmp_path: Path, url: str, expected: str
) -> None:
    base = tmp_path.resolve()

    anchored = anchor_sqlite_path(url, base)

    assert anchored == expected.format(base=base, parent=base.parent)


def test_when_a_policy_is_loaded_from_elsewhere_then_its_sqlite_path_is_next_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "policy.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")

    policy = load_policy(Path("..") / "conf" / "policy.yaml", environ={})

    assert policy.stores[0].url == f"sqlite:///{tmp_path.resolve()}/conf/mailing.db"


def test_when_the_environment_gives_a_relative_sqlite_path_then_it_is_anchored_too(
    tmp_path: Path,
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(GOOD, encoding="utf-8")

    policy = load_policy(path, environ={"PDPIPE_MAILING_URL": "sqlite:///other.db"})

    assert policy.stores[0].url == f"sqlite:///{tmp_path.resolve()}/other.db"
