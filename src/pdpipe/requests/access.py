"""The answer to an access request (152-FZ art. 14 p.7): what is held about one person.

Per store and table: the declared PD categories with this person's values (and those of
the table's declared child tables, tied by the child's fk and, with a `where:`, among the
child's own rows only), the purpose, its legal ground, what is done with the data, how long
it is kept, and to whom it is passed. For the whole answer: the source of the data, the
processors, cross-border transfer, how to exercise the subject's rights and the art. 18.1
measures, from the policy's `requests.answer`; an item the policy does not give is named as
not provided, never filled in.

Written as JSON and Markdown into the policy's `requests.reports` folder (under
PDPIPE_OUTPUT_DIR when set, else beside the policy), readable by their owner only. With the
notices (notices.py), these are the outputs of pdpipe that hold personal data, and they
hold only the rows that matched the requester's own address.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pdpipe.policy.conditions import compile_condition
from pdpipe.policy.models import (
    AnswerSpec,
    ColumnRef,
    ColumnSpec,
    CrossBorder,
    Policy,
    StoreSpec,
    TableSpec,
)
from pdpipe.requests import register
from pdpipe.requests.match import Record, table_matches
from pdpipe.settings import settings
from pdpipe.stores.owner import owned


def reports_folder(policy: Policy) -> Path:
    """Where access reports go: `requests.reports` as the policy gives it when absolute;
    else under PDPIPE_OUTPUT_DIR when that is set (a deployment whose policy folder is
    read-only, as docker compose mounts it), else beside the policy."""
    configured = Path(policy.requests.reports if policy.requests else "access-reports")
    if configured.is_absolute():
        return configured
    output = settings().output_dir
    if output is not None:
        return output / configured
    return (policy.file.parent if policy.file is not None else Path.cwd()) / configured


def _row_values(row: sa.RowMapping, columns: dict[str, ColumnSpec]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, column in columns.items():
        ref = ColumnRef(name)
        value = row[ref.column]
        if ref.is_json_path:
            document = json.loads(value) if isinstance(value, str) else value
            for part in ref.json_path:
                document = document.get(part) if isinstance(document, dict) else None
            value = document
        if value is not None:
            values[name] = {"categories": column.data, "value": _plain(value)}
    return values


def _values(connection: sa.Connection, spec: TableSpec, keys: list[Any]) -> list[dict[str, Any]]:
    table = sa.Table(spec.name, sa.MetaData(), autoload_with=connection)
    key = table.c[spec.key]
    rows = connection.execute(sa.select(table).where(key.in_(keys)).order_by(key)).mappings()
    children = _children(connection, spec, keys)
    held = []
    for row in rows:
        record = str(row[spec.key])
        held.append(
            {"record": record, "data": _row_values(row, spec.columns)}
            | ({"children": children[record]} if record in children else {})
        )
    return held


def _no_other_table(name: str) -> sa.Table:
    raise AssertionError(f"a child's where: names no other table ({name})")  # check refuses


def _children(
    connection: sa.Connection, spec: TableSpec, keys: list[Any]
) -> dict[str, list[dict[str, Any]]]:
    """Parent record -> its rows in the declared child tables that hold PD (`columns:`),
    each with its values; a child with a `where:` gives only its own rows (a polymorphic
    table's other rows, whose fk refers to other tables, are someone else's)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for child_spec in spec.children:
        if not child_spec.columns:
            continue
        child = sa.Table(child_spec.table, sa.MetaData(), autoload_with=connection)
        fk = child.c[child_spec.fk]
        identity = next(iter(child.primary_key.columns), fk)
        query = sa.select(child).where(fk.in_(keys)).order_by(fk, identity)
        if child_spec.where is not None:
            query = query.where(
                compile_condition(child_spec.where, child, child_spec.fk, _no_other_table)
            )
        for row in connection.execute(query).mappings():
            values = _row_values(row, child_spec.columns)
            if values:
                found.setdefault(str(row[child_spec.fk]), []).append(
                    {"table": child_spec.table, "row": str(row[identity.name]), "data": values}
                )
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value if isinstance(value, str | int | float | bool) else str(value)


def _about_purpose(policy: Policy, spec: TableSpec) -> dict[str, Any]:
    purpose = policy.purpose(spec.purpose)
    return {
        "purpose": purpose.title,
        "legal_ground": purpose.legal_ground,
        "processing": purpose.processing,
        "categories": purpose.data,
        "kept_for": purpose.keep_for.text if purpose.keep_for else "until the purpose is achieved",
        "at_the_end": purpose.on_end.value,
        "recipients": purpose.recipients or ["none declared"],
    }


# The answer's items the stores cannot give, with what the report calls them.
ANSWER_ITEMS = {
    "source": "source of the personal data",
    "processors": "processors (who processes the data on the operator's behalf)",
    "cross_border": "cross-border transfer",
    "rights": "how to exercise the subject's rights",
    "measures": "measures under 152-FZ art. 18.1",
}


def about_processing(policy: Policy) -> tuple[dict[str, Any], list[str]]:
    """The answer's items from `requests.answer` (None where the policy gives none), and
    the names of those it does not give."""
    answer = policy.requests.answer if policy.requests else AnswerSpec()
    processors = answer.processors
    if processors is None and policy.operator.processor:
        processors = [policy.operator.processor]
    crossing: CrossBorder | None = answer.cross_border
    items: dict[str, Any] = {
        "source": answer.source,
        "processors": processors,
        "cross_border": None if crossing is None else crossing.model_dump(),
        "rights": answer.rights,
        "measures": answer.measures,
    }
    return items, [name for name, value in items.items() if value is None]


def gather(policy: Policy, address: str) -> tuple[list[dict[str, Any]], list[Record]]:
    plus = policy.requests.plus_addressing if policy.requests else True
    sections: list[dict[str, Any]] = []
    records: list[Record] = []
    for store in policy.stores:
        sections += _store_sections(policy, store, address, plus, records)
    return sections, sorted(records)


def _store_sections(
    policy: Policy, store: StoreSpec, address: str, plus: bool, records: list[Record]
) -> list[dict[str, Any]]:
    sections = []
    with owned(read_only=True) as stores, stores.connect(store) as connection:
        for spec in store.tables:
            keys = table_matches(connection, spec, address, plus)
            if not keys:
                continue
            records.extend(Record(store.name, spec.name, str(k)) for k in keys)
            sections.append(
                {
                    "store": store.name,
                    "information_system": policy.operator.information_system or store.name,
                    "table": spec.name,
                    **_about_purpose(policy, spec),
                    "records": _values(connection, spec, keys),
                }
            )
    return sections


def write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    path.chmod(0o600)  # an existing file keeps its mode through O_TRUNC


def _markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Personal data held about {report['requester']}",
        "",
        f"Operator: {report['operator']['name']} ({report['operator']['contact']}); "
        f"request {report['request_id']} received {report['received_at']}.",
        "",
    ]
    about, missing = report["about_processing"], report["not_provided"]
    for name, label in ANSWER_ITEMS.items():
        lines.append(f"- {label}: {item_text(name, about[name], missing)}")
    lines.append("")
    if not report["held"]:
        lines.append("No personal data about this person is held.")
    for section in report["held"]:
        lines += [
            f"## {section['information_system']}: {section['table']}",
            "",
            f"- purpose: {section['purpose']}",
            f"- legal ground: {section['legal_ground']}",
            f"- processing: {', '.join(section['processing'])}",
            f"- kept: {section['kept_for']}, then {section['at_the_end']}",
            f"- recipients: {', '.join(section['recipients'])}",
            "",
        ]
        for record in section["records"]:
            lines.append(f"Record {record['record']}:")
            for name, item in record["data"].items():
                lines.append(f"- {', '.join(item['categories'])} ({name}): {item['value']}")
            for child in record.get("children", []):
                for name, item in child["data"].items():
                    lines.append(
                        f"- {', '.join(item['categories'])} ({child['table']}.{name}, "
                        f"row {child['row']}): {item['value']}"
                    )
            lines.append("")
    return "\n".join(lines) + "\n"


def item_text(name: str, value: Any, missing: list[str]) -> str:
    """An answer item in words; one the policy does not give is named as such."""
    if name in missing:
        return f"not provided by the policy (requests.answer.{name})"
    if name == "processors":
        return "; ".join(value) if value else "none"
    if name == "cross_border":
        if not value["transferred"]:
            return "none" + (f" ({value['note']})" if value["note"] else "")
        where = ", ".join(value["countries"])
        return f"to {where}" + (f" ({value['note']})" if value["note"] else "")
    return str(value)


def build_report(policy: Policy, request: register.Request, address: str) -> dict[str, Any]:
    """The answer as a document (the one that goes into the report's JSON)."""
    sections, _ = gather(policy, address)
    about, missing = about_processing(policy)
    return {
        "request_id": request.request_id,
        "received_at": request.received_at.isoformat(),
        "requester": address,
        "operator": {
            "name": policy.operator.name,
            "address": policy.operator.address,
            "contact": policy.operator.contact,
        },
        "about_processing": about,
        "not_provided": missing,
        "held": sections,
    }


def write_report(
    policy: Policy, request: register.Request, address: str
) -> tuple[Path, list[Record]]:
    """Write the report; returns its JSON path and the records it covers."""
    report = build_report(policy, request, address)
    records = sorted(
        Record(section["store"], section["table"], record["record"])
        for section in report["held"]
        for record in section["records"]
    )
    folder = reports_folder(policy)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"access-{request.request_id}.json"
    write_private(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_private(path.with_suffix(".md"), _markdown(report))
    return path, records
