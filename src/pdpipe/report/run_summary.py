"""What a run did, as data: the CLI's --json and summary.json (report/formats.py), the
artifacts' table and markdown.

Counts, dates, table names and keys of the policy only — never a value from a store.
"""

from __future__ import annotations

from typing import Any

from pdpipe.execute.runner import RunResult
from pdpipe.report.formats import CheckJson, LedgerHead, RunSummary, TableOutcome
from pdpipe.validation.checks import ValidationReport

ACTIONS = ("destroy", "depersonalize", "block")


def checks(validation: ValidationReport | None) -> list[CheckJson]:
    if validation is None:
        return []
    return [
        CheckJson(
            store=c.store,
            table=c.table,
            check=c.check,
            success=c.success,
            unexpected=c.unexpected,
        )
        for c in validation.checks
    ]


def summary(
    result: RunResult,
    errors: list[str] | None = None,
    validation: ValidationReport | None = None,
) -> RunSummary:
    """The run as summary.json (and `pdpipe run --json`) holds it."""
    return RunSummary(
        run_id=result.run_id,
        as_of=result.as_of.local_date,
        status=result.status,
        resumed=result.resumed,
        seconds=round(result.seconds, 3),
        acted=result.acted,
        tables=[
            TableOutcome(store=o.store, table=o.table, batches=o.batches, acted=o.acted)
            for o in result.tables
        ],
        overdue_before=sum(t.overdue for t in result.before.tables),
        overdue_after=None if result.after is None else sum(t.overdue for t in result.after.tables),
        plan_before=result.before.to_model(),
        plan_after=None if result.after is None else result.after.to_model(),
        errors=errors or [],
        validation=checks(validation),
        stage=result.stage,
        # Each database's ledger head once the run's documents were recorded: an anchor
        # outside the database (pdpipe ledger verify --anchors).
        ledger_heads={
            store: LedgerHead.model_validate(head) for store, head in result.ledger_heads.items()
        },
        documents_issued_late_for=result.recovered,
    )


def table_rows(
    result: RunResult,
    errors: list[str] | None = None,
    validation: ValidationReport | None = None,
) -> list[dict[str, Any]]:
    """One row per store table: the review table artifact."""
    after = {(t.store, t.table): t for t in result.after.tables} if result.after else {}
    outcomes = {(o.store, o.table): o for o in result.tables}
    rows = []
    for planned in result.before.tables:
        key = (planned.store, planned.table)
        outcome = outcomes.get(key)
        acted = outcome.acted if outcome else {}
        later = after.get(key)
        failed = [e for e in errors or [] if e.startswith(f"{planned.store}.{planned.table}#")]
        rows.append(
            {
                "store": planned.store,
                "table": planned.table,
                "rows": planned.rows_total,
                "due": planned.due,
                **{a: sum(acted.get(a, {}).values()) for a in ACTIONS},
                "reasons": ", ".join(
                    f"{reason} {count}"
                    for reasons in acted.values()
                    for reason, count in sorted(reasons.items())
                ),
                "overdue_before": planned.overdue,
                "overdue_after": later.overdue if later else None,
                "blocked": later.blocked if later else planned.blocked,
                "errors": len(failed),
                "checks passed": sum(
                    1
                    for c in (validation.checks if validation else [])
                    if (c.store, c.table) == key and c.success
                ),
                "checks failed": sum(
                    1
                    for c in (validation.checks if validation else [])
                    if (c.store, c.table) == key and not c.success
                ),
            }
        )
    return rows


def markdown(
    result: RunResult,
    output: str | None,
    errors: list[str] | None = None,
    validation: ValidationReport | None = None,
    documents: list[tuple[str, str]] | None = None,
    dashboard: str | None = None,
) -> str:
    """The review report: summary, deadlines met or missed, where the outputs are."""
    overdue_before = sum(t.overdue for t in result.before.tables)
    overdue_after = sum(t.overdue for t in result.after.tables) if result.after else None
    lines = [
        f"# Retention run {result.as_of.local_date.isoformat()}: {result.status}",
        "",
        f"- run id: `{result.run_id or 'dry run'}`" + (" (resumed)" if result.resumed else ""),
        f"- records acted on: **{result.acted:,}** in {result.seconds:.1f} s",
        f"- past the statutory deadline before the run: **{overdue_before:,}**",
    ]
    if overdue_after is not None:
        verdict = "all deadlines met" if overdue_after == 0 else "deadlines MISSED"
        lines.append(f"- past the deadline after the run: **{overdue_after:,}** ({verdict})")
    if errors:
        lines.append(f"- failed partitions: **{len(errors)}**")
        lines += [f"  - {error}" for error in errors]
    if validation is not None:
        verdict = "passed" if validation.success else f"FAILED ({len(validation.failed)} check(s))"
        lines.append(f"- validation (Great Expectations): **{verdict}**")
        lines += [f"  - {c.store}.{c.table}: {c.check}" for c in validation.failed]
        if output:
            lines.append(
                f"- Data Docs: [{output}/validation/data-docs/index.html]"
                f"({output}/validation/data-docs/index.html)"
            )
    if documents:
        lines.append(
            "- documents (Order 179; SHA-256 in the ledger): "
            + ", ".join(f"[{name}]({uri})" for name, uri in documents)
        )
    if result.recovered:
        lines.append(
            "- documents issued now for earlier runs that had none: "
            + ", ".join(f"`{run}`" for run in result.recovered)
        )
    for store, head in result.ledger_heads.items():
        lines.append(f"- ledger head, {store}: row {head['seq']}, SHA-256 `{head['row_hash']}`")
    if dashboard:
        lines.append(f"- dashboard: [this run's page]({dashboard})")
    if output:
        lines.append(f"- outputs: [{output}]({output})")
    lines += [
        "",
        "| store.table | due | destroy | depersonalize | block | overdue after |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in table_rows(result, errors, validation):
        lines.append(
            f"| {row['store']}.{row['table']} | {row['due']:,} | {row['destroy']:,} | "
            f"{row['depersonalize']:,} | {row['block']:,} | "
            f"{'-' if row['overdue_after'] is None else format(row['overdue_after'], ',')} |"
        )
    return "\n".join(lines + hold_lines(result)) + "\n"


def hold_lines(result: RunResult) -> list[str]:
    """The holds the run met, as a markdown table: per table, each policy hold and each
    ground of record holds, its end, and the due records it kept (none: no lines)."""
    rows = []
    for table in result.before.to_model().tables:
        name = f"{table.store}.{table.table}"
        rows += [(name, "policy", h.ground, h.until, h.records) for h in table.held]
        rows += [(name, "record", h.ground, h.until, h.records) for h in table.record_holds]
    if not rows:
        return []
    lines = [
        "",
        "Holds (records kept although their purpose ended; never acted on):",
        "",
        "| store.table | hold | ground | until | due records kept |",
        "|---|---|---|---|---:|",
    ]
    for name, kind, ground, until, records in rows:
        ground = ground.replace("|", "\\|")
        lines.append(f"| {name} | {kind} | {ground} | {until or '-'} | {records:,} |")
    return lines
