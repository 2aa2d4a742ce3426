"""`pdpipe check` warns when the operator's own details point to another jurisdiction
than the policy's profile: an operator in Almaty with a .kz site is first of all under
Kazakh Law 94-V (legal.md, "Which law applies"). A warning, never an error: which law
applies is a lawyer's call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pdpipe.policy.jurisdiction import jurisdiction_warnings
from tests.cli import run_main
from tests.policy.builders import GOOD, edited, line_of, parse

OPERATOR = "  timezone: Asia/Almaty\n  contact: ipm@gmail.com\n"


def _operator(timezone: str, contact: str, address: str | None = None) -> str:
    lines = f"  timezone: {timezone}\n  contact: {contact}\n"
    if address is not None:
        lines += f"  address: {address}\n"
    return edited(GOOD, (OPERATOR, lines))


def test_an_almaty_kz_operator_on_the_ru_profile_is_told_in_one_warning_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _operator("Asia/Almaty", "dpo@ipm.kz", "Abay ave. 10, Almaty, Republic of Kazakhstan")
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")

    code, out, err = run_main(monkeypatch, capsys, "check", "--offline", str(path))

    assert code in (None, 0)
    assert out.startswith("ok: ")
    (warning,) = [line for line in err.splitlines() if "operator.jurisdiction" in line]
    line = line_of(text, "jurisdiction: RU-152FZ")
    assert warning == (
        f"warning: {path}:{line}: operator.jurisdiction: the operator's timezone Asia/Almaty, "
        "contact domain .kz, address (Kazakhstan) point to KZ-94V, not the profile RU-152FZ: "
        "Kazakh Law 94-V likely applies first (152-FZ reaches an operator abroad through its "
        "art. 1 p.1.1); have a lawyer confirm which profile to apply"
    )
    assert "Abay" not in err  # the address is named by its country, not quoted


def test_the_warning_is_in_the_json_verdict_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(_operator("Asia/Qyzylorda", "ipm@gmail.com"), encoding="utf-8")

    code, out, _ = run_main(monkeypatch, capsys, "check", "--offline", "--json", str(path))

    assert code in (None, 0)
    document = json.loads(out)
    assert document["ok"] is True
    sensed = [w for w in document["warnings"] if w["path"] == "operator.jurisdiction"]
    assert [(w["line"], "KZ-94V" in w["message"]) for w in sensed] == [(4, True)]


@pytest.mark.parametrize(
    ("timezone", "contact", "address"),
    [
        ("Europe/Moscow", "dpo@ipm.ru", "Moscow, Russia"),
        ("Asia/Yekaterinburg", "ipm@gmail.com", None),
        ("UTC", "ipm@gmail.com", None),  # nothing to tell from
        ("UTC", "ipm@example.com", "Suite 5, Nowhere"),
    ],
)
def test_details_that_agree_with_the_profile_or_say_nothing_raise_no_warning(
    timezone: str, contact: str, address: str | None
) -> None:
    assert jurisdiction_warnings(parse(_operator(timezone, contact, address))) == []


def test_a_kz_profile_for_the_almaty_operator_is_quiet() -> None:
    text = edited(
        _operator("Asia/Almaty", "dpo@ipm.kz", "Алматы, Казахстан"),
        ("jurisdiction: RU-152FZ", "jurisdiction: KZ-94V"),
    )
    assert jurisdiction_warnings(parse(text)) == []


def test_each_other_jurisdiction_is_its_own_warning() -> None:
    policy = parse(_operator("Asia/Almaty", "dpo@ipm.de"))

    messages = [p.message for p in jurisdiction_warnings(policy)]

    assert len(messages) == 2
    assert messages[0].startswith("the operator's timezone Asia/Almaty points to KZ-94V")
    assert messages[1].startswith("the operator's contact domain .de points to EU-GDPR")
    assert "the GDPR likely applies first" in messages[1]


def test_a_word_inside_another_word_is_no_country() -> None:
    # "Russiaville" (Indiana) names no country; the zone says the US.
    assert (
        jurisdiction_warnings(parse(_operator("America/Chicago", "a@b.com", "Russiaville"))) == []
    )
