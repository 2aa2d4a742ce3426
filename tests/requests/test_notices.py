"""Each request kind gets the notice the law requires, drafted in Russian and English into
the private reports folder (pdpipe sends nothing): from templates, each about the person
who asked only, and named on the terminal by its folder, never by an address."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from pdpipe.requests.notices import LANGUAGES, NoticeKind
from tests.cli import pdpipe_in_process as pdpipe
from tests.execute.builders import populate
from tests.requests.mailboxes import date, message, text, write_mbox
from tests.requests.scenario import policy_with_requests

SENT = date(2026, 11, 20, 9, 30, 5)
TEMPLATES = Path(__file__).parents[2] / "src" / "pdpipe" / "requests" / "notice_templates"


def _mail(subject: str, body: str, sender: str, message_id: str) -> bytes:
    return message(
        subject=subject, body=text(body), sender=sender, message_id=message_id, sent=SENT
    )


MAILBOX = [
    _mail("What personal data do you hold?", "Tell me.", "canary.person3@mail.ru", "<a@x>"),
    _mail("Stop processing", "Please stop processing my data.", "canary.lead8@yandex.ru", "<c@x>"),
    _mail(
        "Withdrawal of Consent to Personal Data Processing",
        "I withdraw.",
        "canary.person7@mail.ru",
        "<w@x>",
    ),
    _mail("Block my data", "Block my data please.", "canary.nobody@mail.ru", "<b@x>"),
    _mail(
        "Personal Data Update",
        "Please update my phone: +7 701 765 43 21",
        "canary.lead10@yandex.ru",
        "<u@x>",
    ),
    _mail(
        "Unlawful processing",
        "You process my personal data unlawfully.",
        "canary.person4@mail.ru",
        "<l@x>",
    ),
    _mail("Hello", "Nice weather.", "canary.person5@mail.ru", "<n@x>"),
]


def test_every_kind_has_a_template_in_each_language() -> None:
    for kind in NoticeKind:
        for language in LANGUAGES:
            assert (TEMPLATES / language / f"{kind.value}.txt.j2").is_file(), (kind, language)


def test_each_request_gets_its_notice_in_both_languages(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PDPIPE_OUTPUT_DIR", raising=False)
    populate(store_url, people_count=12, leads_count=12)
    policy = policy_with_requests(tmp_path, store_url)
    mailbox = write_mbox(tmp_path / "inbox.mbox", MAILBOX)
    runs = [pdpipe("requests", "ingest", str(policy), str(mailbox))]
    rows = json.loads(pdpipe("requests", "list", str(policy), "--json").stdout)["requests"]
    ids = {r["type"]: r["id"] for r in rows}
    runs.append(pdpipe("requests", "extend", str(policy), ids["access"], "--reason", "archives"))
    runs.append(pdpipe("requests", "process", str(policy)))
    runs.append(pdpipe("requests", "approve", str(policy), ids["update"]))
    runs.append(pdpipe("requests", "approve", str(policy), ids["unlawful_processing"]))
    runs.append(
        pdpipe("requests", "close", str(policy), ids[None], "--refuse", "--note", "not a request")
    )
    assert [r.returncode for r in runs] == [0] * len(runs), [r.stderr for r in runs]

    folder = tmp_path / "reports"
    drafted = {p.name: p for p in folder.glob("notice-*.txt")}
    expected = {
        (ids["access"], "extension"),
        (ids["access"], "access"),
        (ids["cease"], "cease"),
        (ids["withdraw_consent"], "withdraw_consent"),
        (ids["block"], "refusal"),  # nothing under that address: who are you?
        (ids["update"], "update"),
        (ids["unlawful_processing"], "unlawful_stop"),
        (ids["unlawful_processing"], "unlawful_destroyed"),
        (ids[None], "refusal"),
    }
    assert set(drafted) == {f"notice-{i}-{k}.{lang}.txt" for i, k in expected for lang in LANGUAGES}
    read = {name: path.read_text(encoding="utf-8") for name, path in drafted.items()}
    for name, path in drafted.items():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert "{{" not in read[name] and "{%" not in read[name]
        # Each notice names its own requester only.
        assert len(set(re.findall(r"canary\.\w+@", read[name], re.I))) == 1, name

    def notice(kind: str, request: str | None, language: str) -> str:
        return read[f"notice-{ids[request]}-{kind}.{language}.txt"]

    assert "Кому: canary.person3@mail.ru" in notice("access", "access", "ru")
    assert "+7 916 555-0003" in notice("access", "access", "en")  # the child's phone too
    assert "not provided by our policy (requests.answer.source)" in notice("access", "access", "en")
    extension = notice("extension", "access", "en")
    assert "archives" in extension and "152-FZ art. 14" in extension
    assert "152-FZ art. 21 p.5.1" in notice("cease", "cease", "ru")
    assert "подтвердите свою личность" in notice("refusal", "block", "ru")
    assert "phone" in notice("update", "update", "en")
    assert "765" not in notice("update", "update", "en")  # categories, not values
    assert "not a request" in notice("refusal", None, "en")

    terminal = "".join(r.stdout + r.stderr for r in runs)
    assert "notice draft(s) to check and send" in terminal
    assert not re.search(r"canary|@mail\.ru|@yandex|765 43", terminal, re.I)
