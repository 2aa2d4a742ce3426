"""Which operators a run may apply is known from the policy alone, before any store is read."""

from __future__ import annotations

from pathlib import Path

from pdpipe.policy import load_policy
from pdpipe.policy.models import applied_specs
from tests.execute.builders import write_policy


def test_when_a_purpose_destroys_then_only_children_depersonalized_on_destroy_apply(
    tmp_path: Path,
) -> None:
    policy = load_policy(write_policy(tmp_path, f"sqlite:///{tmp_path}/never-opened.db"))
    people, leads = policy.stores[0].tables

    destroyed = applied_specs(policy.purpose(people.purpose), people)
    (notes,) = [child for child in people.children if child.table == "notes"]
    assert destroyed == list(notes.columns.values())  # not people's own pseudonym_email

    depersonalized = applied_specs(policy.purpose(leads.purpose), leads)
    assert depersonalized == list(leads.columns.values())
    assert not (tmp_path / "never-opened.db").exists()


def test_when_a_purpose_depersonalizes_then_its_childrens_columns_apply_too(
    tmp_path: Path,
) -> None:
    path = write_policy(tmp_path, f"sqlite:///{tmp_path}/never-opened.db")
    text = path.read_text()
    path.write_text(text.replace("    on_end: destroy\n", "    on_end: depersonalize\n"))
    policy = load_policy(path)
    people = policy.stores[0].tables[0]

    applied = applied_specs(policy.purpose(people.purpose), people)

    (notes,) = [child for child in people.children if child.table == "notes"]
    assert applied == [*people.columns.values(), *notes.columns.values()]
