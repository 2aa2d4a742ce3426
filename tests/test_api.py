"""`import pdpipe` as a Python caller uses it: the same job the CLI runs, nothing heavy
loaded until a function is called."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import pdpipe
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy


def test_importing_pdpipe_loads_neither_pandas_nor_sqlalchemy_nor_prefect() -> None:
    heavy = "{'pandas', 'sqlalchemy', 'prefect', 'phonenumbers', 'stdnum', 'pymorphy3'}"
    probe = f"import sys, pdpipe, pdpipe.cli; print(sorted({heavy} & set(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"


def test_the_public_functions_plan_run_document_and_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
    url = f"sqlite:///{tmp_path}/store.db"
    populate(url, people_count=100, leads_count=60)
    policy = pdpipe.load_policy(write_policy(tmp_path, url))

    planned = pdpipe.plan(policy, AS_OF_DAY)
    due = sum(t.due for t in planned.tables)
    result = pdpipe.run(policy, as_of=AS_OF_DAY, allow_large=True)
    assert result.acted == due > 0 and result.checks_failed == 0
    assert result.documents is not None  # issued by the run
    assert sum(t.due for t in pdpipe.plan(policy, AS_OF_DAY).tables) == 0

    again = pdpipe.issue_documents(policy, run_id=result.run_id, folder=tmp_path / "again")
    assert sum(again.records.values()) == result.acted - sum(
        sum(t.acted.get("block", {}).values()) for t in result.tables
    )
    ((store, verification),) = pdpipe.verify_ledger(policy, anchors=tmp_path / "runs").items()
    assert store == "store" and verification is not None and verification.ok
    assert pdpipe.__version__ != "0+unknown"


def test_every_public_name_is_a_function_whatever_was_imported_before() -> None:
    """A subpackage named like a public function shadows it once imported (the validation
    package was pdpipe.validate, and `pdpipe.validate(policy)` then called a module)."""
    import importlib
    import pkgutil

    for module in pkgutil.walk_packages(pdpipe.__path__, "pdpipe."):
        if not module.name.startswith("pdpipe.cli"):
            importlib.import_module(module.name)
    for name in pdpipe.__all__:
        if name != "__version__":
            assert callable(getattr(pdpipe, name)) and not isinstance(
                getattr(pdpipe, name), type(pdpipe)
            ), name
