"""The leak check: what it finds in depersonalized records, the same on every database,
and in the PD columns of their children."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import load_policy
from pdpipe.policy.models import Policy, TableSpec
from pdpipe.retention.decide import AsOf
from pdpipe.validation.queries import as_sql, personal_data_left
from tests.execute.builders import (
    AS_OF_DAY,
    POLICY,
    PSEUDONYM_KEY,
    dump,
    notes,
    populate,
    write_policy,
)

AS_OF = AsOf.end_of_day(AS_OF_DAY, "Asia/Almaty")

# (column of leads, value planted in a depersonalized lead, a leak?)
PLANTED = [
    ("last_name", "Канарейкина", True),  # a last name alone, in a last-name column
    ("last_name", "Өмірбекова", True),  # Kazakh letters
    ("last_name", "Смит-Джонсон", True),
    ("last_name", "Smith", True),
    ("phone", "Әлия Өмірбекова", True),  # a full name, Kazakh, in any PD column
    ("phone", "+44 20 7946 0958", True),  # international, in groups
    ("phone", "+4915112345678", True),
    ("phone", "8 (701) 123-45-67", True),
    ("email", "canary.left@mail.ru", True),
    ("email", "+44 20 7946 0958", True),  # a phone in a pseudonymous email's column
    ("last_name", "канарейкина", False),  # not capitalized: not a name, on every database
    ("last_name", "[redacted]", False),  # what the operators leave
    ("last_name", "К*****", False),
    ("phone", "*************67", False),
]


def _leaking_keys(url: str, policy: Policy, spec: TableSpec) -> list[str]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        sql = as_sql(personal_data_left(connection, policy, spec), connection)
        found = sorted(str(key) for (key,) in connection.execute(sa.text(sql)))
    engine.dispose()
    return found


def _depersonalized(url: str, table: str) -> list[str]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        keys = connection.execute(
            sa.text(
                "SELECT record_key FROM pdpipe_state "
                "WHERE state = 'depersonalized' AND table_name = :t ORDER BY record_key"
            ),
            {"t": table},
        ).scalars()
        found = [str(k) for k in keys]
    engine.dispose()
    return found


def test_when_values_are_planted_then_exactly_the_shapes_of_pd_are_found(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=40, leads_count=150)
    policy = load_policy(write_policy(tmp_path, store_url))
    run_policy(policy, RunOptions(as_of=AS_OF, allow_large=True))
    leads = policy.stores[0].tables[1]
    assert _leaking_keys(store_url, policy, leads) == []  # the operators did their job

    targets = _depersonalized(store_url, "leads")[: len(PLANTED)]
    assert len(targets) == len(PLANTED)
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        for key, (column, value, _) in zip(targets, PLANTED, strict=True):
            planting = sa.text(f"UPDATE leads SET {column} = :v WHERE lead_id = :k")
            connection.execute(planting, {"v": value, "k": key})
    engine.dispose()

    expected = sorted(k for k, (_, _, leak) in zip(targets, PLANTED, strict=True) if leak)
    assert _leaking_keys(store_url, policy, leads) == expected


def test_when_a_record_is_depersonalized_then_its_childrens_pd_is_too_and_checked(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=60, leads_count=10)
    # People's only end is a withdrawal, which destroys unless the purpose overrides it
    # (152-FZ art. 21 p.5; `check` warns of the override).
    depersonalizing = POLICY.replace(
        "    on_end: destroy\n",
        "    on_end: depersonalize\n    on_end_by_reason: {{consent_withdrawn: depersonalize}}\n",
    )
    assert depersonalizing != POLICY
    path = tmp_path / "policy.yaml"
    path.write_text(depersonalizing.format(url=store_url), encoding="utf-8")
    policy = load_policy(path)
    before = dump(store_url, notes)
    run_policy(policy, RunOptions(as_of=AS_OF, allow_large=True))

    people = policy.stores[0].tables[0]
    done = _depersonalized(store_url, "people")
    assert done
    after = dump(store_url, notes)
    for key, row in after.items():
        tied = str(row["person_id"]) in done
        if tied:  # masked, and still tied to the depersonalized person
            assert row["phone"] != before[key]["phone"]
            assert str(row["phone"]).endswith(str(before[key]["phone"])[-2:])
        else:
            assert row == before[key]
    assert _leaking_keys(store_url, policy, people) == []

    leaky = done[0]
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:  # as a broken operator would have left it
        connection.execute(
            sa.text("UPDATE notes SET phone = '+7 916 555-0101' WHERE person_id = :k"),
            {"k": int(leaky)},
        )
    engine.dispose()
    assert _leaking_keys(store_url, policy, people) == [leaky]


def test_when_a_record_leaks_in_itself_and_in_several_child_rows_then_it_counts_once(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The record's own columns and each child's rows are separate branches of the query:
    # a record found by several must still be one unexpected record.
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    populate(store_url, people_count=60, leads_count=10)
    depersonalizing = POLICY.replace(
        "    on_end: destroy\n",
        "    on_end: depersonalize\n    on_end_by_reason: {{consent_withdrawn: depersonalize}}\n",
    )
    path = tmp_path / "policy.yaml"
    path.write_text(depersonalizing.format(url=store_url), encoding="utf-8")
    policy = load_policy(path)
    run_policy(policy, RunOptions(as_of=AS_OF, allow_large=True))
    people = policy.stores[0].tables[0]
    done = _depersonalized(store_url, "people")
    assert len(done) >= 2
    leaky, own_only = int(done[0]), int(done[1])
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        last = connection.execute(sa.select(sa.func.max(notes.c.id))).scalar_one()
        for n, phone in enumerate(("+7 916 555-0101", "+7 916 555-0102"), start=1):
            # two child rows of one record
            connection.execute(notes.insert().values(id=last + n, person_id=leaky, phone=phone))
        rename = sa.text("UPDATE people SET full_name = 'Канарейкин Иван' WHERE id = :k")
        connection.execute(rename, {"k": leaky})  # and its own column
        connection.execute(rename, {"k": own_only})  # its own column only
    engine.dispose()
    assert _leaking_keys(store_url, policy, people) == sorted([str(leaky), str(own_only)])
