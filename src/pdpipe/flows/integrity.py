"""The weekly integrity check: the policy still matches every store, and every ledger's
hash chain is intact. Fails the flow run on any problem; artifacts carry counts only.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from pdpipe.errors import RunFailed
from pdpipe.execute.ledger_check import verify_ledgers
from pdpipe.flows.parameters import IntegrityParameters
from pdpipe.flows.retention import retrying
from pdpipe.policy import load_policy
from pdpipe.stores.schema_check import store_problems

INTEGRITY_ARTIFACT = "pdpipe-integrity-report"


@task(name="check-stores")
def check_task(policy_path: str) -> list[str]:
    return [f"{p.path}: {p.message}" for p in store_problems(load_policy(policy_path))]


@task(name="verify-ledgers")
def verify_task(policy_path: str) -> list[dict[str, Any]]:
    rows = []
    for store, result in verify_ledgers(load_policy(policy_path)):
        rows.append(
            {
                "store": store,
                "ledger rows": 0 if result is None else result.rows,
                "intact": True if result is None else result.ok,
                "first bad row": None if result is None else result.first_bad_seq,
                "problem": None if result is None else "; ".join(result.problems) or None,
            }
        )
    return rows


@flow(name="pdpipe-integrity", flow_run_name="integrity-{parameters.policy_path}")
def integrity_flow(parameters: IntegrityParameters) -> dict[str, Any]:
    """Check the policy against the stores and verify every ledger's chain."""
    logger = get_run_logger()
    problems = retrying(check_task)(parameters.policy_path)
    ledgers = retrying(verify_task)(parameters.policy_path)
    broken = [row for row in ledgers if not row["intact"]]
    create_table_artifact(
        key=INTEGRITY_ARTIFACT + "-ledgers", table=ledgers, description="Ledger chains, per store"
    )
    lines = [
        "# Integrity check",
        "",
        f"- policy problems: **{len(problems)}**",
        f"- ledgers broken: **{len(broken)}** of {len(ledgers)}",
    ]
    lines += [f"  - {p}" for p in problems]
    lines += [f"  - {row['store']}: {row['problem']}" for row in broken]
    create_markdown_artifact(
        key=INTEGRITY_ARTIFACT,
        markdown="\n".join(lines) + "\n",
        description="Weekly integrity check",
    )
    logger.info("%d policy problem(s); %d ledger(s) broken", len(problems), len(broken))
    if problems or broken:
        raise RunFailed(
            f"integrity check failed: {len(problems)} policy problem(s), "
            f"{len(broken)} broken ledger(s)"
        )
    return {"problems": 0, "ledgers": len(ledgers)}
