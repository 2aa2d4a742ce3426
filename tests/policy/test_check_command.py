"""`pdpipe check`: exit codes, every problem on stderr as file:line: path: message, the schema.

`pdpipe.cli.app` lets a PdpipeError through; `pdpipe.cli.main()` (the console script) turns
it into a message and exit code 2. Exit codes are therefore checked on `main()` and on the
installed console script, the output of `--schema` on `app`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdpipe.cli import app
from pdpipe.errors import BadInput
from pdpipe.policy import PolicyError
from tests.cli import run_main
from tests.policy.builders import CASES, GOOD, GOOD_FILE, edited

SEVERAL = CASES / "several_problems.yaml"
SEVERAL_LINES = [
    "error: {file}: 4 problems",
    "  {file}:23: stores[0].tables[0].columns.email.depersonalize: unknown operator 'hsah' "
    "(known: distort, drop_key, fake, generalize, mask, pseudonym, pseudonym_email, redact, "
    "scrub, shuffle)",
    "  {file}:24: stores[0].tables[0].columns.phone.depersonalize: keep_first + keep_last may "
    "be at most 4: a mask must hide the value",
    "  {file}:25: stores[0].tables[0].columns.birthday.data: PD category 'birth_date' is not "
    "among the data of purpose 'email-informing' (email, phone): redundant personal data is "
    "not permitted (policy clause 5.5); declare it in the purpose or stop keeping it",
    "  {file}:28: stores[0].tables[1].purpose: unknown purpose 'newsletters' (known: "
    "email-informing)",
]
CONSOLE_SCRIPT = Path(sys.executable).with_name("pdpipe")
# The good policy names its pseudonym key; set, check has nothing to warn of.
KEY = {"PDPIPE_PSEUDONYM_KEY": "test-key-not-printed-4417"}
# The good file's operator is in Almaty on the RU profile: check says so, as a warning.
SENSED = (
    "operator.jurisdiction: the operator's timezone Asia/Almaty points to KZ-94V, not the "
    "profile RU-152FZ"
)


@pytest.fixture(autouse=True)
def _key_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in KEY.items():
        monkeypatch.setenv(name, value)


def at(path: Path, template: str) -> str:
    return template.replace("{file}", str(path))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# The installed console script, as a user runs it (both runs start at once: each takes ~2 s).

Outcome = tuple[int, str, str]  # exit code, stdout, stderr


@pytest.fixture(scope="module")
def console_script() -> dict[str, Outcome]:
    running = {
        name: subprocess.Popen(
            [str(CONSOLE_SCRIPT), "check", "--offline", str(path)],
            env={**os.environ, **KEY},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, path in (("good", GOOD_FILE), ("several", SEVERAL))
    }
    outcomes: dict[str, Outcome] = {}
    for name, process in running.items():
        out, err = process.communicate(timeout=60)
        outcomes[name] = (process.returncode, out, err)
    return outcomes


def test_when_the_console_script_checks_the_good_file_then_it_exits_0(
    console_script: dict[str, Outcome],
) -> None:
    code, out, err = console_script["good"]
    assert (code, out) == (0, f"ok: {GOOD_FILE}: 1 table(s); file checked\n")
    sensed, ground = err.splitlines()
    assert sensed.startswith(f"warning: {GOOD_FILE}:4: {SENSED}")
    # The file does not say the purpose's kind of ground (152-FZ art. 6 p.1).
    assert ground.startswith(
        f"warning: {GOOD_FILE}:10: purposes[0]: purpose 'email-informing' does not say its "
        "kind of legal ground"
    )


def test_when_the_console_script_checks_a_bad_file_then_it_exits_2_listing_every_problem(
    console_script: dict[str, Outcome],
) -> None:
    code, out, err = console_script["several"]

    assert (code, out) == (2, "")
    assert err.splitlines() == [at(SEVERAL, line) for line in SEVERAL_LINES]
    assert "Traceback" not in err


# The same entry point in this process (fast).


@pytest.mark.parametrize(
    ("edit", "line"),
    [
        (
            ("Asia/Almaty", "Mars/Olympus"),
            "{file}:5: operator.timezone: unknown timezone 'Mars/Olympus' (expected e.g. "
            "Asia/Almaty)",
        ),
        (
            ("${PDPIPE_MAILING_URL:-sqlite:///mailing.db}", "${PDPIPE_NOT_SET}"),
            "{file}:19: stores[0].url: environment variable PDPIPE_NOT_SET is not set or empty "
            "(set it, or write ${PDPIPE_NOT_SET:-default})",
        ),
    ],
    ids=["structure", "missing_variable"],
)
def test_when_main_checks_a_bad_file_then_it_exits_2_with_file_line_path_and_message(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    edit: tuple[str, str],
    line: str,
) -> None:
    monkeypatch.delenv("PDPIPE_NOT_SET", raising=False)
    path = write(tmp_path, edited(GOOD, edit))

    code, out, err = run_main(monkeypatch, capsys, "check", "--offline", str(path))

    assert (code, out) == (2, "")
    assert err.splitlines() == [f"error: {path}: 1 problem", "  " + at(path, line)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "",
            "{file}: (top level): the file is empty: expected a mapping with version, "
            "operator, purposes, stores",
        ),
        (
            "version: 1\noperator: {name: IPM\n",
            "{file}:3: (top level): not valid YAML: expected ',' or '}', but got '<stream end>'",
        ),
    ],
    ids=["empty", "not_yaml"],
)
def test_when_main_checks_a_file_that_is_not_a_policy_then_it_exits_2_without_traceback(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    expected: str,
) -> None:
    path = write(tmp_path, text)

    code, _, err = run_main(monkeypatch, capsys, "check", "--offline", str(path))

    assert code == 2
    assert err.splitlines()[1] == "  " + at(path, expected)
    assert "Traceback" not in err


def test_when_main_checks_a_missing_file_then_it_exits_2_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nowhere.yaml"

    code, _, err = run_main(monkeypatch, capsys, "check", "--offline", str(path))

    assert (code, err) == (2, f"error: {path}: 1 problem\n  {path}: (top level): file not found\n")


def test_when_main_checks_without_a_file_then_it_asks_for_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(monkeypatch, capsys, "check", "--offline")

    assert (code, err) == (2, "error: check: give a policy file, or --schema\n")


def test_when_main_reports_problems_then_a_password_from_the_environment_is_not_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PDPIPE_MAILING_URL", "postgresql+psycopg://app:Hunter2-Kh8vQ@db/mailing")
    path = write(tmp_path, edited(GOOD, ("depersonalize: redact", "depersonalize: hsah")))

    code, out, err = run_main(monkeypatch, capsys, "check", "--offline", str(path))

    assert code == 2
    assert "Hunter2" not in out + err


def test_when_a_message_holds_square_brackets_then_main_prints_them_verbatim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        edited(GOOD, ("fk: subscriber_id, where:", "fk: subscriber_id, when: {a: 1}, where:")),
    )

    code, _, err = run_main(monkeypatch, capsys, "check", "--offline", str(path))

    assert code == 2
    assert err.splitlines()[1] == (
        f"  {path}:33: stores[0].tables[0].ends[1].when.not.exists: unknown key(s) ['when'] "
        "(expected table, fk, where)"
    )


def test_when_a_quoted_value_looks_like_markup_then_main_prints_it_verbatim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path, edited(GOOD, ("depersonalize: redact", "depersonalize: '[bold]x[/bold]'"))
    )

    code, _, err = run_main(monkeypatch, capsys, "check", "--offline", str(path))

    assert code == 2
    assert "unknown operator '[bold]x[/bold]'" in err


def test_when_a_quoted_value_looks_like_markup_then_main_still_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, edited(GOOD, ("depersonalize: redact", "depersonalize: '[/b]'")))

    code, _, err = run_main(monkeypatch, capsys, "check", "--offline", str(path))

    assert code == 2
    assert "unknown operator '[/b]'" in err


# The typer app itself.

runner = CliRunner()


def test_when_app_checks_the_good_file_then_it_says_ok() -> None:
    result = runner.invoke(app, ["check", "--offline", str(GOOD_FILE)])

    assert (result.exit_code, result.stdout) == (
        0,
        f"ok: {GOOD_FILE}: 1 table(s); file checked\n",
    )
    assert SENSED in result.stderr


def test_when_app_checks_a_bad_file_then_the_policy_error_is_left_to_main() -> None:
    result = runner.invoke(app, ["check", "--offline", str(SEVERAL)])

    assert isinstance(result.exception, PolicyError)
    assert len(result.exception.problems) == 4
    assert isinstance(result.exception, BadInput)


def test_when_the_schema_is_asked_for_then_it_is_json_schema_of_the_policy() -> None:
    result = runner.invoke(app, ["check", "--schema"])

    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert {"version", "operator", "purposes", "stores"} <= set(schema["properties"])
    assert set(schema["required"]) == {"version", "operator", "purposes", "stores"}
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert "TableSpec" in schema["$defs"]


def test_when_the_file_path_looks_like_markup_then_ok_prints_it_verbatim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = Path("[bold]x[red]") / "policy.yaml"
    path.parent.mkdir()
    path.write_text(GOOD, encoding="utf-8")

    result = runner.invoke(app, ["check", "--offline", str(path)])

    assert (result.exit_code, result.stdout) == (0, f"ok: {path}: 1 table(s); file checked\n")


def test_when_the_file_path_is_long_then_ok_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / ("long-folder-name-" * 8) / "policy.yaml"
    path.parent.mkdir()
    path.write_text(GOOD, encoding="utf-8")

    result = runner.invoke(app, ["check", "--offline", str(path)])

    assert (result.exit_code, result.stdout) == (0, f"ok: {path}: 1 table(s); file checked\n")
