"""The text of a starter policy: YAML with the comments that explain each proposal.

Written by hand rather than dumped, for the comments. Only names, categories, shares and
the proposals go in: never a value read from the store. A name that is not a plain SQL
name is quoted as a JSON string (valid YAML), so no name can break the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdpipe.discovery.store_url import PASSWORD_VARIABLE, url_for_policy

if TYPE_CHECKING:
    from pdpipe.discovery.starter import Child, PdColumn, Processed

PURPOSE_ID = "main"
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")
KEYED = frozenset({"pseudonym", "pseudonym_email", "distort", "shuffle", "fake"})


def name(text: str) -> str:
    """A table or column name as a YAML scalar, in flow context too."""
    return text if _PLAIN.match(text) else json.dumps(text, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return name(value)
    return json.dumps(value)


def _operator(operator: tuple[str, dict[str, Any]] | None) -> str:
    if operator is None:
        return '"TODO: no operator can write this column; name one, or delete this key"'
    op_name, options = operator
    return op_name if not options else f"{{{op_name}: {_value(options)}}}"


def render(
    store: str,
    url: str,
    policy_dir: Path | None,
    tables: list[Processed],
    skipped: list[tuple[str, str]],
    data: list[str],
) -> str:
    lines = [
        "# A starter policy written by `pdpipe init` from a scan of the database and its",
        "# schema: names, categories and shares only, never a value read from it.",
        "# Every value that begins with TODO is a decision for a person: `pdpipe check`,",
        "# `plan` and `run` refuse the file, naming each TODO, until all are replaced.",
        "# Review the rest too: the tables, children, clocks, categories and operators are",
        "# proposals (docs/policy.md says what each key means).",
        "version: 1",
        "operator:",
        '  name: "TODO: the operator, the organization that processes the data"',
        '  jurisdiction: "TODO: RU-152FZ, KZ-94V or EU-GDPR (the statutory terms)"',
        "  timezone: UTC  # the operator's zone, e.g. Asia/Almaty: dates are decided in it",
        '  contact: "TODO: where data subjects write to the operator (an e-mail address)"',
    ]
    used = {
        op[0]
        for t in tables
        for c in [*t.columns, *(c for child in t.children for c in child.columns)]
        if (op := c.operator) is not None
    }
    if used & KEYED:
        lines += [
            "secrets:  # where the key of the keyed operators lives: never the key itself",
            "  pseudonym_key: env:PDPIPE_PSEUDONYM_KEY",
        ]
    lines += [
        "purposes:",
        f"  - id: {PURPOSE_ID}  # tables refer to it by this id",
        '    title: "TODO: the purpose of processing, as your policy document words it"',
        '    legal_ground: "TODO: the legal ground (a law and its article, a contract, consent)"',
        '    processing: ["TODO: the kinds of processing, e.g. collection, storage, transfer"]',
        f"    data: [{', '.join(data)}]  # every category found below",
        '    keep_for: "TODO: how long after a record\'s clock, e.g. P3Y; or delete this key"',
        '    on_end: "TODO: destroy or depersonalize, when the purpose ends for a record"',
        "stores:",
        f"  - name: {store}",
        f"    url: {name_url(url_for_policy(url, policy_dir))}",
    ]
    if ":${" + PASSWORD_VARIABLE + "}@" in url_for_policy(url, policy_dir):
        lines.insert(-1, f"    # the password: set {PASSWORD_VARIABLE} where pdpipe runs")
    if not tables:
        lines += ["    tables: []  # no table with personal data was found"]
    else:
        lines += ["    tables:"]
        for table in tables:
            lines += _table(table)
    for left_out, why in skipped:
        lines.append(f"# not declared: table {name(left_out)} holds PD but has {why}")
    return "\n".join(lines) + "\n"


def name_url(url: str) -> str:
    return url if re.fullmatch(r"[A-Za-z0-9+_:/.@${}%\-=&?]*", url) else json.dumps(url)


def _table(table: Processed) -> list[str]:
    lines = [
        f"      - name: {name(table.name)}",
        f"        key: {name(table.key)}",
        f"        purpose: {PURPOSE_ID}",
    ]
    if table.subject_email is not None:
        lines.append(
            f"        subject: {{email: {name(table.subject_email)}}}  # finds a requester"
        )
    clock = name(table.clock) if table.clock else '"TODO: a timestamp column"'
    lines.append(f"        clock: {clock}  # {table.clock_note}")
    notes = [rule for rule in table.ends if rule.startswith("#")]
    rules = [rule for rule in table.ends if not rule.startswith("#")]
    lines += [f"        {note}" for note in notes]
    if rules:
        lines.append("        # Candidate end rules from status-like columns: uncomment and adapt")
        lines.append("        # ends:")
        lines += [f"        #   - {rule}" for rule in rules]
    lines += _columns("        ", table.columns)
    if table.children:
        lines.append("        children:")
        for child in table.children:
            lines += _child(child)
    return lines


def _columns(indent: str, columns: list[PdColumn]) -> list[str]:
    if not columns:
        return []
    lines = [f"{indent}columns:"]
    for column in columns:
        data = column.data[0] if len(column.data) == 1 else f"[{', '.join(column.data)}]"
        lines.append(
            f"{indent}  {name(column.name)}: {{data: {data}, depersonalize: "
            f"{_operator(column.operator)}}}  # found: {column.found}"
        )
    return lines


def _child(child: Child) -> list[str]:
    head = f"          # {child.on_destroy}: {child.why}"
    if not child.columns:
        return [
            head,
            f"          - {{table: {name(child.table)}, fk: {name(child.fk)}, "
            f"on_destroy: {child.on_destroy}}}",
        ]
    return [
        head,
        f"          - table: {name(child.table)}",
        f"            fk: {name(child.fk)}",
        f"            on_destroy: {child.on_destroy}",
        *_columns("            ", child.columns),
    ]
