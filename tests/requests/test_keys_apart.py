"""Keys kept apart: the request register cannot be joined to depersonalized records, even
when one secret is configured for both uses; registers of the first version are re-keyed;
no key shows in a repr or an error. On SQLite, PostgreSQL and MariaDB where a register is
involved."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from pydantic import SecretBytes

from pdpipe.errors import BadInput
from pdpipe.operators import ColumnInfo, OperatorContext, build_operator
from pdpipe.operators.pseudonym import pseudonym_hex
from pdpipe.policy import load_policy
from pdpipe.policy.secrets import KeyPurpose, derive_key, secret_key
from pdpipe.requests.identity import Keys
from pdpipe.requests.intake import ingest, keys_for
from pdpipe.requests.process import process_open
from tests.execute.builders import dump, leads, people, populate
from tests.requests.first_version import first_version_register
from tests.requests.mailboxes import message, text, write_mbox
from tests.requests.scenario import policy_with_requests

ONE_KEY = "one-key-for-everything"
LEAD = "canary.lead4@yandex.ru"  # lead L00004: analytics, depersonalized on withdrawal
PERSON = "canary.person3@mail.ru"  # person 3: informing, destroyed on withdrawal


def one_key_policy(tmp_path: Path, url: str) -> Path:
    """The requests policy, both secrets pointed at one variable; the leads' purpose
    depersonalizes on a withdrawal (an override of art. 21 p.5's destruction, `check`
    warns), so that a request writes pseudonyms."""
    path = policy_with_requests(tmp_path, url)
    text_ = path.read_text(encoding="utf-8")
    path.write_text(
        text_.replace("env:PDPIPE_TEST_PSEUDONYM_KEY", "env:PDPIPE_ONE_KEY")
        .replace("env:PDPIPE_TEST_CONTACT_KEY", "env:PDPIPE_ONE_KEY")
        .replace(
            "    on_end: depersonalize\n",
            "    on_end: depersonalize\n    on_end_by_reason: {consent_withdrawn: depersonalize}\n",
        ),
        encoding="utf-8",
    )
    return path


def withdrawal(sender: str, n: int) -> bytes:
    return message(
        subject="Withdrawal of Consent to Personal Data Processing",
        body=text("I withdraw my consent."),
        sender=sender,
        message_id=f"<keys-{n}@example.org>",
        sent="Tue, 18 Nov 2025 10:15:00 +0300",
    )


def register_values(url: str) -> list[str]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM pdpipe_requests")).mappings().all()
    engine.dispose()
    return [str(value) for row in rows for value in row.values() if value is not None]


def requesters(url: str) -> list[str]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(sa.text("SELECT requester FROM pdpipe_requests")).scalars()
        result = [str(r) for r in found]
    engine.dispose()
    return result


def operator_outputs(address: str, secret: bytes) -> set[str]:
    """What `pseudonym` and `pseudonym_email` write for `address`, at their default and
    full lengths, and the bare hex inside."""
    outputs: set[str] = set()
    column = ColumnInfo("leads", "email", "text", None, True)
    for name, options in (
        ("pseudonym", {}),
        ("pseudonym", {"length": 64}),
        ("pseudonym_email", {}),
        ("pseudonym_email", {"length": 64}),
    ):
        operator = build_operator(name, options)
        values = operator.apply(
            pd.Series([address, address.upper()], dtype=object),
            OperatorContext(column, secret),
        )
        outputs |= {str(v) for v in values}
    full = pseudonym_hex(secret, address)
    return outputs | {full, full[:24], full[:16]}


@pytest.fixture(autouse=True)
def one_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDPIPE_ONE_KEY", ONE_KEY)


def test_with_one_key_for_both_the_register_holds_no_pseudonym_the_operators_write(
    store_url: str, tmp_path: Path
) -> None:
    populate(store_url, people_count=10, leads_count=10)
    policy = load_policy(one_key_policy(tmp_path, store_url))
    leads_before = dump(store_url, leads)
    mailbox = write_mbox(
        tmp_path / "inbox.mbox",
        [withdrawal(LEAD, 1), withdrawal(PERSON, 2), withdrawal("Canary.Lead4+x@Yandex.RU", 3)],
    )

    assert ingest(policy, mailbox).total_registered == 3
    processed = process_open(policy)

    assert processed.closed == {"withdraw_consent": 3}
    written = dump(store_url, leads)["L00004"]["email"]
    assert written != leads_before["L00004"]["email"] and written.endswith("@anon.invalid")
    assert 3 not in dump(store_url, people)
    secret = ONE_KEY.encode()
    forbidden = operator_outputs(LEAD, secret) | operator_outputs(PERSON, secret) | {written}
    assert written in operator_outputs(LEAD, secret)  # the run wrote what the operator does
    values = register_values(store_url)
    for value in values:
        for output in forbidden:
            assert output not in value and value not in output
    hashes = requesters(store_url)
    assert all(h.startswith("v2:") for h in hashes)
    decoded = [base64.urlsafe_b64decode(h[3:] + "=").hex() for h in hashes]
    for hexed in decoded:
        assert not any(output in hexed for output in forbidden)
    # ...and it still recognises a person: one requester for the lead, tagged or not.
    assert len(set(hashes)) == 2


def test_a_first_version_register_is_re_keyed_and_its_requests_still_act(
    store_url: str, tmp_path: Path
) -> None:
    populate(store_url, people_count=10, leads_count=10)
    policy = load_policy(one_key_policy(tmp_path, store_url))
    old = pseudonym_hex(ONE_KEY.encode(), PERSON)  # what the first version stored
    request_id = first_version_register(store_url, keys_for(policy), PERSON, old)
    empty = write_mbox(tmp_path / "empty.mbox", [])

    report = ingest(policy, empty)

    assert report.rekeyed == 1
    (requester,) = requesters(store_url)
    assert requester.startswith("v2:") and requester != old
    assert requester == keys_for(policy).requester(PERSON)
    assert ingest(policy, empty).rekeyed == 0
    processed = process_open(policy)
    assert processed.closed == {"withdraw_consent": 1}
    assert 3 not in dump(store_url, people)
    assert processed.destroying_runs == [f"request-{request_id}"]


def test_each_use_of_a_secret_derives_its_own_key() -> None:
    secret = SecretBytes(ONE_KEY.encode())
    register_key = derive_key(secret, KeyPurpose.REGISTER_REQUESTER)
    assert register_key != ONE_KEY.encode() and len(register_key) == 32
    assert derive_key(SecretBytes(ONE_KEY.encode()), KeyPurpose.REGISTER_REQUESTER) == register_key
    assert derive_key(SecretBytes(b"other"), KeyPurpose.REGISTER_REQUESTER) != register_key
    keys = Keys(secret)
    assert keys.requester("a@b.example") != Keys(SecretBytes(b"other")).requester("a@b.example")


def test_no_key_shows_in_a_repr_or_an_error(tmp_path: Path) -> None:
    policy = load_policy(one_key_policy(tmp_path, f"sqlite:///{tmp_path}/s.db"))
    keys = keys_for(policy)
    context = OperatorContext(ColumnInfo("t", "c", "text"), ONE_KEY.encode())
    held: list[Any] = [keys, context, secret_key(policy, "contact_key")]
    for thing in held:
        assert ONE_KEY not in repr(thing) and ONE_KEY not in str(thing)
    token = keys.encrypt("a@b.example")
    with pytest.raises(BadInput) as caught:
        Keys(SecretBytes(b"wrong-key")).decrypt(token)
    assert ONE_KEY not in str(caught.value) and "wrong-key" not in str(caught.value)
