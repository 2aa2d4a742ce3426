"""Secrets the policy names: an unset one it needs is bad input, found by `check` and before a
run starts; an unset one it does not need is a warning. A value is never printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdpipe.policy.secrets import needed_secrets, secret_problems
from tests.cli import run_main
from tests.policy.builders import GOOD, edited, line_of, parse

DEPERSONALIZING = edited(GOOD, ("on_end: destroy", "on_end: depersonalize"))
WITH_REQUESTS = edited(
    GOOD,
    (
        "  pseudonym_key: env:PDPIPE_PSEUDONYM_KEY\n",
        "  pseudonym_key: env:PDPIPE_PSEUDONYM_KEY\n  contact_key: env:PDPIPE_CONTACT_KEY\n"
        "requests: {store: mailing}\n",
    ),
)
UNSET = "environment variable PDPIPE_PSEUDONYM_KEY is not set or empty"
CANARY_KEY = "canary-key-Vr7q2-never-printed"


def test_when_a_policy_only_destroys_then_it_needs_no_key() -> None:
    assert needed_secrets(parse(GOOD)) == {}


def test_when_a_policy_depersonalizes_with_a_keyed_operator_then_it_needs_the_pseudonym_key() -> (
    None
):
    assert needed_secrets(parse(DEPERSONALIZING)) == {
        "pseudonym_key": "operator 'pseudonym_email' at "
        "stores[0].tables[0].columns.email.depersonalize needs it"
    }


def test_when_a_child_is_depersonalized_on_destroy_then_its_keyed_operator_needs_the_key() -> None:
    text = edited(
        GOOD,
        (
            "- {table: campaign_views, fk: subscriber_id, on_destroy: set_null}",
            "- {table: campaign_views, fk: subscriber_id, on_destroy: depersonalize, "
            "columns: {email: {data: email, depersonalize: pseudonym}}}",
        ),
    )

    assert needed_secrets(parse(text)) == {
        "pseudonym_key": "operator 'pseudonym' at "
        "stores[0].tables[0].children[1].columns.email.depersonalize needs it"
    }


def test_when_a_policy_takes_requests_then_it_needs_the_contact_key_but_its_run_does_not() -> None:
    policy = parse(WITH_REQUESTS)

    # The register keys its requesters with contact_key alone (keys kept apart).
    assert set(needed_secrets(policy)) == {"contact_key"}
    assert needed_secrets(policy, requests=False) == {}


@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_when_a_needed_key_is_unset_or_empty_then_it_is_an_error_naming_secret_and_variable(
    value: str | None,
) -> None:
    environ = {} if value is None else {"PDPIPE_PSEUDONYM_KEY": value}

    errors, warnings = secret_problems(parse(DEPERSONALIZING), environ)

    assert [(p.path, p.message) for p in errors] == [
        (
            "secrets.pseudonym_key",
            f"{UNSET}; operator 'pseudonym_email' at "
            "stores[0].tables[0].columns.email.depersonalize needs it",
        )
    ]
    assert warnings == []


def test_when_a_declared_key_is_unset_but_not_needed_then_it_is_a_warning() -> None:
    errors, warnings = secret_problems(parse(GOOD), {})

    assert errors == []
    assert [(p.path, p.message) for p in warnings] == [
        (
            "secrets.pseudonym_key",
            f"{UNSET}; nothing in this policy needs secrets.pseudonym_key now, so runs go "
            "ahead without it",
        )
    ]


def test_when_the_keys_are_set_or_live_in_prefect_then_nothing_is_reported() -> None:
    text = edited(WITH_REQUESTS, ("env:PDPIPE_CONTACT_KEY", "prefect:contact-key"))

    assert secret_problems(parse(text), {"PDPIPE_PSEUDONYM_KEY": CANARY_KEY}) == ([], [])


# As the CLI reports them.


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PDPIPE_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("PDPIPE_CONTACT_KEY", raising=False)


def test_when_check_meets_an_unset_needed_key_then_it_exits_2_naming_file_line_and_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, DEPERSONALIZING)

    code, out, err = run_main(monkeypatch, capsys, "check", "--offline", str(path))

    line = line_of(DEPERSONALIZING, "pseudonym_key:")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"error: {path}: 1 problem",
        f"  {path}:{line}: secrets.pseudonym_key: {UNSET}; operator 'pseudonym_email' at "
        "stores[0].tables[0].columns.email.depersonalize needs it",
    ]


def test_when_check_meets_an_unset_key_nothing_needs_then_it_warns_and_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD)

    code, out, err = run_main(monkeypatch, capsys, "check", "--offline", str(path))

    assert code is None or code == 0
    assert out == f"ok: {path}: 1 table(s); file checked\n"
    unset, sensed, ground = err.splitlines()
    assert ground.startswith(f"warning: {path}:10: purposes[0]: purpose 'email-informing'")
    assert unset == (
        f"warning: {path}:{line_of(GOOD, 'pseudonym_key:')}: secrets.pseudonym_key: {UNSET}; "
        "nothing in this policy needs secrets.pseudonym_key now, so runs go ahead without it"
    )
    assert sensed.startswith(f"warning: {path}:4: operator.jurisdiction:")  # Almaty on RU


def test_when_requests_are_configured_then_check_wants_the_contact_key_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PDPIPE_PSEUDONYM_KEY", CANARY_KEY)
    path = write(tmp_path, WITH_REQUESTS)

    code, out, err = run_main(monkeypatch, capsys, "check", "--offline", str(path))

    assert code == 2
    assert (
        f"{path}:{line_of(WITH_REQUESTS, 'contact_key:')}: secrets.contact_key: environment "
        "variable PDPIPE_CONTACT_KEY is not set or empty; subject requests need it"
    ) in err
    assert CANARY_KEY not in out + err


def test_when_run_needs_an_unset_key_then_it_exits_2_before_anything_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "mailing.db"
    store.write_bytes(b"")
    path = write(tmp_path, DEPERSONALIZING)
    before = sorted(tmp_path.iterdir())

    code, _, err = run_main(monkeypatch, capsys, "run", str(path))

    assert code == 2
    assert f"secrets.pseudonym_key: {UNSET}" in err
    assert sorted(tmp_path.iterdir()) == before and store.read_bytes() == b""
