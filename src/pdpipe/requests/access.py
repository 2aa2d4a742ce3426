"""The answer to an access request (152-FZ art. 14 p.7): what is held about one person.

Per store and table: the declared PD categories with this person's values, the purpose,
its legal ground, what is done with the data, how long it is kept, and to whom it is
passed. Written as JSON and Markdown into the policy's `requests.reports` folder, readable
by their owner only. This is the one output of pdpipe that holds personal data, and it
holds only the rows that matched the requester's own address.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pdpipe.policy.models import ColumnRef, Policy, StoreSpec, TableSpec
from pdpipe.requests import register
from pdpipe.requests.match import Record, table_matches
from pdpipe.stores.owner import owned


def reports_folder(policy: Policy) -> Path:
    configured = Path(policy.requests.reports if policy.requests else "access-reports")
    base = policy.file.parent if policy.file is not None else Path.cwd()
    return configured if configured.is_absolute() else base / configured


def _values(connection: sa.Connection, spec: TableSpec, keys: list[Any]) -> list[dict[str, Any]]:
    table = sa.Table(spec.name, sa.MetaData(), autoload_with=connection)
    key = table.c[spec.key]
    rows = connection.execute(sa.select(table).where(key.in_(keys)).order_by(key)).mappings()
    held = []
    for row in rows:
        values: dict[str, Any] = {}
        for name, column in spec.columns.items():
            ref = ColumnRef(name)
            value = row[ref.column]
            if ref.is_json_path:
                document = json.loads(value) if isinstance(value, str) else value
                for part in ref.json_path:
                    document = document.get(part) if isinstance(document, dict) else None
                value = document
            if value is not None:
                values[name] = {"categories": column.data, "value": _plain(value)}
        held.append({"record": str(row[spec.key]), "data": values})
    return held


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


def _write_private(path: Path, text: str) -> None:
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
            lines.append("")
    return "\n".join(lines) + "\n"


def write_report(
    policy: Policy, request: register.Request, address: str
) -> tuple[Path, list[Record]]:
    """Write the report; returns its JSON path and the records it covers."""
    sections, records = gather(policy, address)
    report = {
        "request_id": request.request_id,
        "received_at": request.received_at.isoformat(),
        "requester": address,
        "operator": {
            "name": policy.operator.name,
            "address": policy.operator.address,
            "contact": policy.operator.contact,
        },
        "held": sections,
    }
    folder = reports_folder(policy)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"access-{request.request_id}.json"
    _write_private(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    _write_private(path.with_suffix(".md"), _markdown(report))
    return path, records
