"""The demo store generator: deterministic, realistic, consistent, on all three databases."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from faker.providers.person.ru_RU import Provider as RussianNames

from pdpipe.demo import DemoResult, build_demo, demo_policy_yaml, kazakh_names
from pdpipe.demo import build as build_module
from pdpipe.demo.people import EmailBook
from pdpipe.demo.policy_file import CRM_URL, MAILING_URL, policy_urls
from pdpipe.demo.schema import STORES
from pdpipe.demo.vector import strings
from pdpipe.errors import BadInput, StoreUnavailable
from pdpipe.policy import load_policy

AS_OF = datetime.date(2025, 6, 1)
END = datetime.datetime(2025, 6, 1)
RECENT = END - datetime.timedelta(days=30)
SUBJECTS = 2000
PHONE = re.compile(r"\+7[ \-(]*\d{3}\)?[ \-]?\d{3}[ \-]?\d{2}[ \-]?\d{2}")
EMAIL = re.compile(r"[\w.]+@[\w.]+\.[a-z]{2,}", re.IGNORECASE)

Tables = dict[str, list[dict[str, Any]]]


def dump(store_urls: dict[str, str]) -> dict[str, Tables]:
    """Every row of each store, in key order, as SQLAlchemy reads it back."""
    out: dict[str, Tables] = {}
    for store, url in store_urls.items():
        engine = sa.create_engine(url)
        try:
            with engine.connect() as connection:
                out[store] = {
                    table.name: [
                        dict(row._mapping)
                        for row in connection.execute(
                            sa.select(table).order_by(*table.primary_key.columns)
                        )
                    ]
                    for table in STORES[store].sorted_tables
                }
        finally:
            engine.dispose()
    return out


def both_in(url: str) -> dict[str, str]:
    return dict.fromkeys(STORES, url)


def checksum(stores: dict[str, Tables]) -> str:
    text = json.dumps(stores, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return build_demo(tmp_path_factory.mktemp("demo"), subjects=SUBJECTS, seed=7, as_of=AS_OF)


@pytest.fixture(scope="module")
def rows(built: DemoResult) -> dict[str, Tables]:
    return dump(built.store_urls)


@pytest.fixture(scope="module")
def mailing(rows: dict[str, Tables]) -> Tables:
    return rows["mailing"]


@pytest.fixture(scope="module")
def crm(rows: dict[str, Tables]) -> Tables:
    return rows["crm"]


# --- determinism and rebuilds -------------------------------------------------------------


def test_when_built_twice_with_one_seed_then_every_table_is_identical(
    tmp_path: Path, rows: dict[str, Tables]
) -> None:
    again = build_demo(tmp_path / "again", subjects=SUBJECTS, seed=7, as_of=AS_OF)
    assert dump(again.store_urls) == rows


def test_when_the_seed_changes_then_the_data_change(tmp_path: Path, built: DemoResult) -> None:
    other = build_demo(tmp_path, subjects=SUBJECTS, seed=8, as_of=AS_OF)
    assert checksum(dump(other.store_urls)) != checksum(dump(built.store_urls))


def test_when_rebuilt_into_the_same_directory_then_the_stores_are_replaced(
    tmp_path: Path, rows: dict[str, Tables]
) -> None:
    build_demo(tmp_path, subjects=300, seed=1, as_of=AS_OF)
    second = build_demo(tmp_path, subjects=SUBJECTS, seed=7, as_of=AS_OF)
    assert dump(second.store_urls) == rows
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "crm.db",
        "expectations",
        "inbox.mbox",
        "mailing.db",
        "policy.yaml",
    ]


def test_when_rebuilt_then_earlier_runs_outputs_are_gone(tmp_path: Path) -> None:
    """Their documents and anchors speak of a ledger that no longer exists: `report
    verify` and `ledger verify --anchors` would call them tampered with."""
    build_demo(tmp_path, subjects=100, seed=1, as_of=AS_OF)
    old_run = tmp_path / "runs" / "2026-11-25-old" / "summary.json"
    old_run.parent.mkdir(parents=True)
    old_run.write_text("{}", encoding="utf-8")
    build_demo(tmp_path, subjects=100, seed=1, as_of=AS_OF)
    assert not (tmp_path / "runs").exists()


def test_when_runs_go_to_a_folder_outside_the_demo_then_a_rebuild_keeps_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "shared-runs"
    monkeypatch.setenv("PDPIPE_OUTPUT_DIR", str(elsewhere))
    (elsewhere / "other-policy-run").mkdir(parents=True)
    build_demo(tmp_path / "demo", subjects=100, seed=1, as_of=AS_OF)
    assert (elsewhere / "other-policy-run").is_dir()


def test_when_people_come_in_several_chunks_then_emails_stay_unique(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build_module, "CHUNK", 250)
    result = build_demo(tmp_path, subjects=SUBJECTS, seed=7, as_of=AS_OF)
    stores = dump(result.store_urls)
    emails = [s["email"] for s in stores["mailing"]["subscribers"]]
    assert len(emails) == len(set(emails))
    crm_only = {c["email"].lower() for c in stores["crm"]["contacts"] if c["email"]}
    assert len(crm_only) == sum(1 for c in stores["crm"]["contacts"] if c["email"])


def test_email_book_refuses_an_address_twice_across_chunks() -> None:
    book = EmailBook()
    first = book.claim(strings(["a@mail.ru", "b@mail.ru", "a@mail.ru"]))
    second = book.claim(strings(["b@mail.ru", "c@mail.ru"]))
    assert first.tolist() == [True, True, False]
    assert second.tolist() == [False, True]


# --- the result and the policy --------------------------------------------------------------


def test_row_counts_match_the_tables(built: DemoResult, rows: dict[str, Tables]) -> None:
    counted = {store: {t: len(r) for t, r in tables.items()} for store, tables in rows.items()}
    assert built.row_counts == counted
    mailing, crm = built.row_counts["mailing"], built.row_counts["crm"]
    assert 0.75 * SUBJECTS < mailing["subscribers"] < 0.85 * SUBJECTS
    assert 0.45 * SUBJECTS < crm["contacts"] < 0.55 * SUBJECTS
    assert mailing["lists"] == 5
    assert mailing["campaigns"] == 20
    assert 1.2 < mailing["campaign_views"] / mailing["subscribers"] < 1.8
    assert 0.3 < mailing["link_clicks"] / mailing["subscribers"] < 0.7


def test_the_policy_file_is_the_demo_policy_and_loads(built: DemoResult) -> None:
    text = built.policy_path.read_text(encoding="utf-8")
    assert text == demo_policy_yaml(MAILING_URL, CRM_URL)
    assert text.startswith("# Demo policy generated by `pdpipe demo`")
    data = yaml.safe_load(text)
    assert [s["url"] for s in data["stores"]] == [MAILING_URL, CRM_URL]
    assert list(data) == [
        "version",
        "operator",
        "acts",
        "secrets",
        "requests",
        "purposes",
        "stores",
    ]
    policy = load_policy(built.policy_path)
    assert [store.name for store in policy.stores] == ["mailing", "crm"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql+psycopg://postgres@127.0.0.1:5432/test",
            (
                "${PDPIPE_MAILING_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}",
                "${PDPIPE_CRM_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}",
            ),
        ),
        (
            "mysql+pymysql://root:s3cret@127.0.0.1:3306/test",
            (
                "mysql+pymysql://root:${PDPIPE_DEMO_PASSWORD}@127.0.0.1:3306/test",
                "mysql+pymysql://root:${PDPIPE_DEMO_PASSWORD}@127.0.0.1:3306/test",
            ),
        ),
    ],
)
def test_when_a_url_is_given_then_the_policy_names_it_without_its_password(
    url: str, expected: tuple[str, str]
) -> None:
    assert policy_urls(url) == expected
    text = demo_policy_yaml(*policy_urls(url))
    assert "s3cret" not in text
    assert [s["url"] for s in yaml.safe_load(text)["stores"]] == list(expected)


def test_progress_reports_every_table_and_all_subjects(tmp_path: Path) -> None:
    seen: dict[str, int] = {}

    def progress(stage: str, done: int) -> None:
        assert done >= seen.get(stage, 0)
        seen[stage] = done

    result = build_demo(tmp_path, subjects=500, seed=3, as_of=AS_OF, progress=progress)
    assert seen.pop("subjects") == 500
    expected = {
        f"{store}.{table}": n
        for store, tables in result.row_counts.items()
        for table, n in tables.items()
    }
    assert seen == expected


@pytest.mark.parametrize(("subjects", "seed"), [(0, 7), (10, -1)])
def test_when_arguments_are_bad_then_nothing_is_built(
    tmp_path: Path, subjects: int, seed: int
) -> None:
    with pytest.raises(BadInput, match="must be"):
        build_demo(tmp_path / "d", subjects=subjects, seed=seed)
    assert not (tmp_path / "d").exists()


def test_when_the_server_is_down_then_the_error_says_so_without_the_password(
    tmp_path: Path,
) -> None:
    url = "postgresql+psycopg://postgres:s3cret@127.0.0.1:9/demo"  # port 9: discard, closed
    with pytest.raises(
        StoreUnavailable, match=r"store 'mailing' at .*127\.0\.0\.1:9/demo"
    ) as caught:
        build_demo(tmp_path, subjects=10, url=url)
    assert "s3cret" not in str(caught.value)
    assert not (tmp_path / "policy.yaml").exists()


@pytest.mark.parametrize("url", ["oracle://scott@localhost/xe", "not a url"])
def test_when_the_url_is_not_a_supported_database_then_nothing_is_built(
    tmp_path: Path, url: str
) -> None:
    with pytest.raises(BadInput, match=r"database URL|demo stores can be built on"):
        build_demo(tmp_path / "d", subjects=10, url=url)
    assert not (tmp_path / "d").exists()


# --- the realistic mix ------------------------------------------------------------------------


def lists_by_subscriber(mailing: Tables) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for row in mailing["subscriber_lists"]:
        out.setdefault(row["subscriber_id"], []).append(row)
    return out


def test_subscribers_mix_active_unsubscribed_blocklisted_and_disabled(mailing: Tables) -> None:
    subs = mailing["subscribers"]
    memberships = lists_by_subscriber(mailing)
    status = Counter(s["status"] for s in subs)
    n = len(subs)
    assert 0.05 * n < status["blocklisted"] < 0.11 * n
    assert 0.03 * n < status["disabled"] < 0.08 * n

    all_gone = [
        s
        for s in subs
        if s["status"] == "enabled"
        and all(m["status"] == "unsubscribed" for m in memberships[s["id"]])
    ]
    active = [
        s
        for s in subs
        if s["status"] == "enabled"
        and any(m["status"] == "confirmed" for m in memberships[s["id"]])
    ]
    assert 0.15 * n < len(all_gone) < 0.25 * n
    assert 0.5 * n < len(active) < 0.65 * n
    for s in all_gone:
        assert s["updated_at"] == max(m["updated_at"] for m in memberships[s["id"]])

    for group in (all_gone, [s for s in subs if s["status"] == "blocklisted"]):
        recent = [s for s in group if s["updated_at"] >= RECENT]
        assert 0 < len(recent) < len(group) / 3
    assert all(1 <= len(m) <= 3 for m in memberships.values())
    assert set(memberships) == {s["id"] for s in subs}


def test_contacts_mix_consents(crm: Tables) -> None:
    contacts = crm["contacts"]
    n = len(contacts)
    with_consent = [c for c in contacts if c["consent_given_at"] is not None]
    withdrawn = [c for c in contacts if c["consent_withdrawn_at"] is not None]
    expired = [c for c in with_consent if c["consent_valid_until"] < END and c not in withdrawn]
    long_ago = [c for c in expired if c["consent_valid_until"] < RECENT]
    lately = [c for c in expired if c["consent_valid_until"] >= RECENT]
    running = [c for c in with_consent if c["consent_valid_until"] >= END and c not in withdrawn]
    assert 0.07 * n < len(withdrawn) < 0.13 * n
    assert long_ago
    assert lately
    assert 0 < n - len(with_consent) < 0.08 * n
    assert len(running) > n / 2
    for c in with_consent:
        assert c["created_at"] <= c["consent_given_at"] < c["consent_valid_until"]
    for c in withdrawn:
        assert c["consent_given_at"] < c["consent_withdrawn_at"] < c["consent_valid_until"]
    assert any(c["consent_withdrawn_at"] >= RECENT for c in withdrawn)


def test_times_lie_in_the_six_years_before_as_of(rows: dict[str, Tables]) -> None:
    earliest = END - datetime.timedelta(days=6 * 365 + 100)
    for tables in rows.values():
        for table_rows in tables.values():
            for row in table_rows:
                for column, value in row.items():
                    if isinstance(value, datetime.datetime):
                        assert value.microsecond == 0  # MariaDB's DATETIME keeps whole seconds
                        if column != "consent_valid_until":
                            assert earliest < value < END


def test_about_a_third_of_people_are_in_both_stores(mailing: Tables, crm: Tables) -> None:
    subscribed = {s["email"] for s in mailing["subscribers"]}
    contacts = [c["email"] for c in crm["contacts"] if c["email"]]
    both = [e for e in contacts if e.lower() in subscribed]
    assert 0.25 * SUBJECTS < len(both) < 0.35 * SUBJECTS
    assert any(e not in subscribed for e in both), "some CRM addresses differ in case"
    assert all(e == e.lower() for e in subscribed)


def test_names_agree_in_gender_and_mix_russian_kazakh_and_latin(crm: Tables) -> None:
    contacts = crm["contacts"]
    female_first = set(RussianNames.first_names_female)
    female_last = set(RussianNames.last_names_female)
    male_last = set(RussianNames.last_names_male)
    russian = [c for c in contacts if c["last_name"] in female_last | male_last]
    unisex = male_last & female_last
    for c in russian:
        female = c["first_name"] in female_first
        if c["last_name"] not in unisex:
            assert (c["last_name"] in female_last) == female
        if c["patronymic"]:
            assert c["patronymic"].endswith(("на", "ична")) == female

    kazakh_surnames = {name for pair in kazakh_names.SURNAMES for name in pair}
    kazakh = [c for c in contacts if c["last_name"] in kazakh_surnames]
    latin = [c for c in contacts if re.fullmatch(r"[A-Za-z]+", c["last_name"])]
    n = len(contacts)
    assert 0.18 * n < len(kazakh) < 0.32 * n
    assert 0.05 * n < len(latin) < 0.15 * n
    assert all(c["patronymic"] is None for c in latin)
    assert any((c["patronymic"] or "").endswith(("ұлы", "қызы")) for c in kazakh)
    assert any((c["patronymic"] or "").endswith(("ович", "овна")) for c in kazakh)


def test_subscriber_names_and_attribs_look_like_listmonk(mailing: Tables) -> None:
    subs = mailing["subscribers"]
    words = Counter(len(s["name"].split()) for s in subs)
    assert words[2] > 0
    assert words[3] > 0
    assert set(words) <= {2, 3}
    attribs = [s["attribs"] for s in subs]
    assert all(isinstance(a, dict) for a in attribs)
    with_phone = [a["phone"] for a in attribs if "phone" in a]
    assert 0.5 < len(with_phone) / len(subs) < 0.7
    assert 0.4 < sum("city" in a for a in attribs) / len(subs) < 0.6
    assert all(PHONE.fullmatch(p) for p in with_phone)
    assert all(a["lang"] in {"ru", "kk", "en"} for a in attribs)
    assert len({len(p) for p in with_phone}) > 1, "phone formatting varies"


def test_phones_are_russian_or_kazakh_mobiles(crm: Tables) -> None:
    numbers = [p["phone"] for p in crm["contact_phones"]]
    assert all(PHONE.fullmatch(p) for p in numbers)
    codes = Counter(re.sub(r"\D", "", p)[1:4] for p in numbers)
    assert sum(v for k, v in codes.items() if k.startswith("9")) > 0
    assert sum(v for k, v in codes.items() if k.startswith(("70", "74", "77"))) > 0
    per_contact = Counter(p["contact_id"] for p in crm["contact_phones"])
    assert set(per_contact.values()) == {1, 2, 3}
    assert set(per_contact) == {c["id"] for c in crm["contacts"]}


def test_emails_use_real_free_mail_domains(mailing: Tables) -> None:
    domains = Counter(s["email"].rsplit("@", 1)[1] for s in mailing["subscribers"])
    assert domains["mail.ru"] > domains["rambler.ru"] > 0
    assert domains["yandex.ru"] > 0
    assert domains["gmail.com"] > 0
    assert all(EMAIL.fullmatch(s["email"]) for s in mailing["subscribers"])
    assert any(not re.search(r"\d@", s["email"]) for s in mailing["subscribers"])


def test_some_notes_leak_the_contacts_phone_or_email(crm: Tables) -> None:
    notes = [i["note"] for i in crm["interactions"]]
    leaking = [n for n in notes if PHONE.search(n) or EMAIL.search(n)]
    assert 0.02 * len(notes) < len(leaking) < 0.08 * len(notes)
    assert any(PHONE.search(n) for n in leaking)
    assert any(EMAIL.search(n) for n in leaking)
    by_contact = {c["id"]: c for c in crm["contacts"]}
    for i in crm["interactions"]:
        found = EMAIL.search(i["note"])
        if found:
            assert found.group().rstrip(".") == by_contact[i["contact_id"]]["email"]


def test_foreign_keys_hold(mailing: Tables, crm: Tables) -> None:
    subscribers = {s["id"] for s in mailing["subscribers"]}
    lists = {row["id"] for row in mailing["lists"]}
    campaigns = {c["id"] for c in mailing["campaigns"]}
    assert {m["subscriber_id"] for m in mailing["subscriber_lists"]} <= subscribers
    assert {m["list_id"] for m in mailing["subscriber_lists"]} <= lists
    for table in ("campaign_views", "link_clicks"):
        events = mailing[table]
        assert {e["subscriber_id"] for e in events} - {None} <= subscribers
        assert {e["campaign_id"] for e in events} <= campaigns
        assert any(e["subscriber_id"] is None for e in events)
    contacts = {c["id"] for c in crm["contacts"]}
    assert {p["contact_id"] for p in crm["contact_phones"]} <= contacts
    assert {i["contact_id"] for i in crm["interactions"]} <= contacts


def test_events_follow_the_subscription(mailing: Tables) -> None:
    created = {s["id"]: s["created_at"] for s in mailing["subscribers"]}
    sent = {c["id"]: c["created_at"] for c in mailing["campaigns"]}
    for table in ("campaign_views", "link_clicks"):
        for e in mailing[table]:
            assert e["created_at"] >= sent[e["campaign_id"]]
            if e["subscriber_id"] is not None:
                assert e["created_at"] >= created[e["subscriber_id"]]
    for m in mailing["subscriber_lists"]:
        assert created[m["subscriber_id"]] <= m["created_at"] <= m["updated_at"]


# --- PostgreSQL and MariaDB -------------------------------------------------------------------


def build_into(url: str, tmp_path: Path) -> DemoResult:
    result = build_demo(tmp_path, subjects=SUBJECTS, seed=7, url=url, as_of=AS_OF)
    assert result.store_urls == {"mailing": url, "crm": url}
    assert not (tmp_path / "mailing.db").exists()
    return result


@pytest.mark.postgres
def test_postgresql_holds_the_same_rows_as_sqlite(
    pg_url: str, tmp_path: Path, built: DemoResult, rows: dict[str, Tables]
) -> None:
    result = build_into(pg_url, tmp_path)
    assert result.row_counts == built.row_counts
    assert dump(both_in(pg_url)) == rows
    policy = yaml.safe_load(result.policy_path.read_text(encoding="utf-8"))
    assert policy["stores"][0]["url"] == f"${{PDPIPE_MAILING_URL:-{pg_url}}}"
    # Rebuilding drops and recreates the tables, and the sequences continue after the ids.
    build_demo(tmp_path, subjects=SUBJECTS, seed=7, url=pg_url, as_of=AS_OF)
    assert checksum(dump(both_in(pg_url))) == checksum(rows)
    engine = sa.create_engine(pg_url)
    with engine.connect() as connection:
        next_id = connection.execute(sa.text("SELECT nextval('subscribers_id_seq')")).scalar()
    engine.dispose()
    assert next_id == built.row_counts["mailing"]["subscribers"] + 1


@pytest.mark.mariadb
def test_mariadb_holds_the_same_rows_as_sqlite(
    mariadb_url: str, tmp_path: Path, built: DemoResult, rows: dict[str, Tables]
) -> None:
    result = build_into(mariadb_url, tmp_path)
    assert result.row_counts == built.row_counts
    assert dump(both_in(mariadb_url)) == rows
    build_demo(tmp_path, subjects=SUBJECTS, seed=7, url=mariadb_url, as_of=AS_OF)
    assert checksum(dump(both_in(mariadb_url))) == checksum(rows)
