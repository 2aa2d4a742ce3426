"""The access answer holds what 152-FZ art. 14 p.7 asks beyond the stores (source,
processors, cross-border transfer, how to exercise rights, art. 18.1 measures) from the
policy's `requests.answer`, names each item the policy does not give instead of inventing
it, and includes the person's PD in declared child tables: tied by the child's fk, and
with a `where:`, among the child's own rows only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pdpipe.policy import PolicyError, load_policy
from pdpipe.requests.intake import ingest
from pdpipe.requests.process import process_open
from tests.cli import CONTACT_KEY
from tests.execute.builders import PSEUDONYM_KEY, populate
from tests.requests.mailboxes import date, message, text, write_mbox
from tests.requests.scenario import policy_with_requests

# A polymorphic child: entity_id refers to people for 'person' rows, to another table
# for the rest. Person 3's own phone, lead 3's (someone else), person 4's.
PHONES = [
    {"id": 1, "entity_table": "person", "entity_id": 3, "phone": "+7 701 333-33-01"},
    {"id": 2, "entity_table": "lead", "entity_id": 3, "phone": "+7 701 999-99-02"},
    {"id": 3, "entity_table": "person", "entity_id": 4, "phone": "+7 701 444-44-03"},
]
CHILD = """\
          - table: contact_phones
            fk: entity_id
            on_destroy: delete
            where: {entity_table: person}
            columns:
              phone: {data: phone}
      - name: leads
"""
ANSWER = """\
  answer:
    source: from the subject, through the subscription form
    processors: ["Mailer LLP, 5 Abay ave., Almaty"]
    cross_border: {transferred: true, countries: [Kazakhstan], note: the operator is there}
    rights: write to privacy@example.kz with the subject 'Personal Data'
    measures: a published policy, a person responsible for processing, yearly audits
"""


def _store(url: str) -> None:
    populate(url, people_count=10, leads_count=10)
    engine = sa.create_engine(url)
    phones = sa.Table(
        "contact_phones",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("entity_table", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.Integer, nullable=False),
        sa.Column("phone", sa.String(40)),
    )
    with engine.begin() as connection:
        phones.drop(connection, checkfirst=True)
        phones.create(connection)
        connection.execute(phones.insert(), PHONES)
    engine.dispose()


def _answer(
    tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch, answer: str
) -> dict[str, Any]:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    monkeypatch.setenv("PDPIPE_TEST_CONTACT_KEY", CONTACT_KEY)
    monkeypatch.delenv("PDPIPE_OUTPUT_DIR", raising=False)
    path = policy_with_requests(tmp_path, url)
    text_ = path.read_text(encoding="utf-8")
    text_ = text_.replace("      - name: leads\n", CHILD, 1) + answer
    path.write_text(text_, encoding="utf-8")
    policy = load_policy(path)
    mailbox = write_mbox(
        tmp_path / "inbox.mbox",
        [
            message(
                subject="What personal data do you hold?",
                body=text("Please tell me what you hold about me."),
                sender="canary.person3@mail.ru",
                message_id="<a3@example.ru>",
                sent=date(2026, 11, 20, 9, 30, 5),
            )
        ],
    )
    ingest(policy, mailbox)
    (report,) = process_open(policy).access_reports
    document: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    document["markdown"] = report.with_suffix(".md").read_text(encoding="utf-8")
    return document


def test_the_answer_holds_the_policys_items_and_the_childs_own_rows(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(store_url)

    answer = _answer(tmp_path, store_url, monkeypatch, ANSWER)

    assert answer["not_provided"] == []
    assert answer["about_processing"] == {
        "source": "from the subject, through the subscription form",
        "processors": ["Mailer LLP, 5 Abay ave., Almaty"],
        "cross_border": {
            "transferred": True,
            "countries": ["Kazakhstan"],
            "note": "the operator is there",
        },
        "rights": "write to privacy@example.kz with the subject 'Personal Data'",
        "measures": "a published policy, a person responsible for processing, yearly audits",
    }
    (people,) = [s for s in answer["held"] if s["table"] == "people"]
    (record,) = people["records"]
    assert record["record"] == "3"
    children = {(c["table"], c["row"]): c["data"] for c in record["children"]}
    assert children[("contact_phones", "1")] == {
        "phone": {"categories": ["phone"], "value": "+7 701 333-33-01"}
    }
    assert children[("notes", "3")]["phone"]["value"] == "+7 916 555-0003"
    assert set(children) == {("contact_phones", "1"), ("notes", "3")}
    markdown = answer["markdown"]
    assert "- cross-border transfer: to Kazakhstan (the operator is there)" in markdown
    assert "(contact_phones.phone, row 1): +7 701 333-33-01" in markdown
    # Lead 3's phone shares the fk value but is another table's row; person 4 is not asked.
    for other in ("999-99-02", "444-44-03", "canary.person4", "Lead3"):
        assert other not in json.dumps(answer, ensure_ascii=False)


def test_without_the_items_the_answer_says_which_the_policy_does_not_provide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    _store(url)

    answer = _answer(tmp_path, url, monkeypatch, "")

    assert answer["not_provided"] == ["source", "processors", "cross_border", "rights", "measures"]
    assert set(answer["about_processing"].values()) == {None}
    markdown = answer["markdown"]
    assert "- source of the personal data: not provided by the policy (requests.answer.source)" in (
        markdown
    )
    assert "- measures under 152-FZ art. 18.1: not provided by the policy" in markdown


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("  answer: {cross_border: {transferred: true}}\n", "needs the countries"),
        ("  answer: {cross_border: {transferred: false, countries: [USA]}}\n", "transferred is"),
        ("  answer: {source: ''}\n", "at least 1 character"),
        ("  answer: {processors: ['']}\n", "at least 1 character"),
        ("  answer: {sources: x}\n", "sources"),
    ],
)
def test_a_wrong_answer_item_is_refused_with_its_place(
    tmp_path: Path, answer: str, expected: str
) -> None:
    path = policy_with_requests(tmp_path, f"sqlite:///{tmp_path}/store.db")
    path.write_text(path.read_text(encoding="utf-8") + answer, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    (problem,) = caught.value.problems
    assert problem.path.startswith("requests.answer")
    assert expected in problem.message
    assert problem.line is not None
