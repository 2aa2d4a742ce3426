"""The weekly discovery scan: the PD every store holds against what the policy declares,
kept in the stores (validation then checks the columns it flagged), published as
artifacts with the history of undeclared PD. Fails the flow run when a column holds PD
the policy does not name (clause 5.5), as `pdpipe scan` exits 1. Names, categories and
shares only; never a value.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from pdpipe.errors import RunFailed
from pdpipe.flows.parameters import DiscoveryParameters
from pdpipe.flows.retention import retrying
from pdpipe.policy import load_policy

DISCOVERY_ARTIFACT = "pdpipe-discovery"
HISTORY_SHOWN = 12  # scans in the artifact's history


@task(name="scan-stores")
def scan_task(policy_path: str, rows: int) -> dict[str, Any]:
    from pdpipe.discovery.record import scan_and_keep

    report = scan_and_keep(load_policy(policy_path), rows=rows)
    return {
        "scan_id": report.scan_id,
        "tables": report.tables,
        "columns": report.columns,
        "undeclared": [
            {
                "column": f"{v.store}.{v.table}.{v.column}",
                "found": ", ".join(v.found),
                "share": None if v.share is None else round(v.share, 4),
            }
            for v in report.undeclared
        ],
    }


@task(name="read-scan-history")
def history_task(policy_path: str) -> list[dict[str, Any]]:
    from pdpipe.discovery.record import policy_history

    return [
        {
            "scanned (UTC)": f"{count.scanned_at:%Y-%m-%d %H:%M}",
            "columns sampled": count.columns,
            "undeclared": count.undeclared,
        }
        for count in policy_history(load_policy(policy_path), limit=HISTORY_SHOWN)
    ]


@flow(name="pdpipe-discovery", flow_run_name="discovery-{parameters.policy_path}")
def discovery_flow(parameters: DiscoveryParameters) -> dict[str, Any]:
    """Scan every store, keep the findings, publish them; fail on undeclared PD."""
    logger = get_run_logger()
    found = retrying(scan_task)(parameters.policy_path, parameters.rows)
    history = retrying(history_task)(parameters.policy_path)
    undeclared = found["undeclared"]
    create_table_artifact(
        key=DISCOVERY_ARTIFACT + "-undeclared",
        table=undeclared or [{"column": "(none)", "found": "", "share": None}],
        description="Columns holding PD the policy does not name, in the latest scan",
    )
    lines = [
        "# Discovery scan",
        "",
        f"- tables sampled: **{found['tables']}**, columns: **{found['columns']}**",
        f"- columns with undeclared PD: **{len(undeclared)}**",
    ]
    lines += [f"  - `{row['column']}`: {row['found']}" for row in undeclared]
    lines += ["", "| scanned (UTC) | columns sampled | undeclared |", "|---|---:|---:|"]
    lines += [
        f"| {row['scanned (UTC)']} | {row['columns sampled']} | {row['undeclared']} |"
        for row in history
    ]
    create_markdown_artifact(
        key=DISCOVERY_ARTIFACT,
        markdown="\n".join(lines) + "\n",
        description="Weekly discovery scan: undeclared PD over time",
    )
    logger.info(
        "scanned %d table(s), %d column(s): %d with undeclared PD",
        found["tables"],
        found["columns"],
        len(undeclared),
    )
    if undeclared:
        raise RunFailed(
            f"discovery: {len(undeclared)} column(s) hold personal data the policy does not "
            "name (policy clause 5.5); declare them or remove the data"
        )
    return {"scan_id": found["scan_id"], "undeclared": 0, "columns": found["columns"]}
