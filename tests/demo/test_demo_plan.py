"""The demo end to end: the same seed plans the same on every dialect, and the CLI's
output holds none of the personal data in the stores."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from pdpipe.demo import build_demo
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.retention.plan import build_plan
from pdpipe.retention.plan_format import PlanJson

AS_OF = datetime.date(2026, 11, 25)


def _plan(policy_path: Path) -> dict[str, object]:
    policy = load_policy(policy_path)
    return build_plan(policy, AsOf.end_of_day(AS_OF, policy.operator.timezone)).to_json()


def test_when_one_seed_is_planned_on_three_dialects_then_the_plans_are_identical(
    tmp_path: Path, pg_url: str, mariadb_url: str
) -> None:
    plans = []
    for name, url in (("sqlite", None), ("pg", pg_url), ("mariadb", mariadb_url)):
        result = build_demo(tmp_path / name, subjects=1500, seed=11, url=url, as_of=AS_OF)
        plans.append(_plan(result.policy_path))
    assert plans[0] == plans[1] == plans[2]
    totals = plans[0]["totals"]
    assert isinstance(totals, dict)
    assert totals["due"] > totals["overdue"] > 0


def _personal_values(store_urls: dict[str, str]) -> set[str]:
    """Every email, phone and surname in the stores: the canaries to look for."""
    queries = [
        "SELECT email FROM subscribers",
        "SELECT name FROM subscribers",
        "SELECT email FROM contacts",
        "SELECT last_name FROM contacts",
        "SELECT phone FROM contact_phones",
    ]
    found: set[str] = set()
    for url in dict.fromkeys(store_urls.values()):
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            for sql in queries:
                try:
                    values = connection.execute(sa.text(sql)).scalars()
                    # Short surnames ("Ли", "Day") could match innocent words by chance.
                    found.update(str(v) for v in values if v and len(str(v)) >= 6)
                except sa.exc.OperationalError:
                    continue  # the table lives in the other store
        engine.dispose()
    return found


def test_when_demo_check_and_plan_run_then_no_personal_value_is_printed(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    command = [sys.executable, "-m", "pdpipe.cli"]
    # The demo's policy takes subject requests: check wants both keys, as the README sets them.
    keys = {"PDPIPE_PSEUDONYM_KEY": "demo-only-key", "PDPIPE_CONTACT_KEY": "demo-only-contact-key"}
    env = {**os.environ, "COLUMNS": "200", **keys}
    runs = [
        [*command, "demo", "--dir", str(folder), "--subjects", "300", "--as-of", "2026-11-25"],
        [*command, "check", str(folder / "policy.yaml")],
        [*command, "plan", str(folder / "policy.yaml"), "--as-of", "2026-11-25"],
        [*command, "plan", str(folder / "policy.yaml"), "--json"],
    ]
    output = ""
    for run in runs:
        result = subprocess.run(run, capture_output=True, text=True, env=env, check=False)
        assert result.returncode == 0, result.stderr
        output += result.stdout + result.stderr
    store_urls = {
        "mailing": f"sqlite:///{folder / 'mailing.db'}",
        "crm": f"sqlite:///{folder / 'crm.db'}",
    }
    canaries = _personal_values(store_urls)
    assert len(canaries) > 500
    leaked = sorted(value for value in canaries if value in output)
    assert leaked == []
    assert "Plan as of 2026-11-25" in output
    plan = output[output.index('{\n  "format"') :].split("\n}\n")[0] + "\n}"
    assert PlanJson.model_validate_json(plan).totals.rows_total > 0
