"""The `--json` documents of `check` and `validate`, documented in docs/cli.md.

Each is a stable machine form with a `format` id that changes only when a field changes
meaning. They carry names, counts, paths inside the policy and ids: never a value read
from a store (problems and checks are the same texts the terminal shows, which never
quote one).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pdpipe.policy.errors import Problem
    from pdpipe.policy.models import Policy
    from pdpipe.validation.checks import ValidationReport

CHECK_FORMAT = "pdpipe.check/1"
VALIDATE_FORMAT = "pdpipe.validate/1"


def write(document: dict[str, Any]) -> None:
    """One document on stdout, and nothing else there: no markup, no wrapping."""
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def problem(found: Problem) -> dict[str, Any]:
    """Where in the policy (null: the file as a whole), its line (and the column of the
    value it is about, when it is about one), what is wrong."""
    return {
        "path": found.path if found.loc else None,
        "line": found.line,
        "column": found.column,
        "message": found.message,
    }


def check_document(
    policy_file: Path,
    *,
    offline: bool,
    policy: Policy | None,
    problems: Sequence[dict[str, Any]] = (),
    warnings: Sequence[Problem] = (),
) -> dict[str, Any]:
    """What `pdpipe check --json` prints: `ok` is false when there are problems (exit 2)."""
    stores = [] if policy is None else policy.stores
    return {
        "format": CHECK_FORMAT,
        "policy": str(policy_file),
        "ok": not problems,
        "offline": offline,
        "stores": [{"name": s.name, "tables": [t.name for t in s.tables]} for s in stores],
        "tables": sum(len(s.tables) for s in stores),
        "problems": list(problems),
        "warnings": [problem(w) for w in warnings],
    }


def validate_document(
    report: ValidationReport, as_of: dt.date, run_id: str | None
) -> dict[str, Any]:
    """What `pdpipe validate --json` prints; `checks` are shaped as `pdpipe run --json`'s
    `validation` entries."""
    return {
        "format": VALIDATE_FORMAT,
        "as_of": as_of.isoformat(),
        "run_id": run_id,
        "success": report.success,
        "checks": [
            {
                "store": c.store,
                "table": c.table,
                "check": c.check,
                "success": c.success,
                "unexpected": c.unexpected,
            }
            for c in report.checks
        ],
        "failed": len(report.failed),
        "data_docs": None if report.data_docs is None else str(report.data_docs),
    }
