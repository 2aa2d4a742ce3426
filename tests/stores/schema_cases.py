"""A subscribers table whose `status` column each test declares its own way (an enum type,
an ENUM, a CHECK, nothing), with a one-table policy for it, and `pdpipe check` run on it.

Each case writes a wrong policy, runs `pdpipe check` as the console script does, and
expects exit 2 naming the policy file and the place of the mistake; then writes the
corrected policy and expects exit 0.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli import run_main

# Values the table holds. They stand for personal data here: a warning may count them,
# never show them.
SEEN = ("kanareika-active", "kanareika-blacklisted")


def dialect_of(url: str) -> str:
    backend = sa.engine.make_url(url).get_backend_name()
    return "mariadb" if backend in ("mysql", "mariadb") else backend


def create_subscribers(
    url: str,
    status: str = "status VARCHAR(40)",
    *,
    before: tuple[str, ...] = (),
    after: tuple[str, ...] = (),
    rows: int = 30,
) -> None:
    """`status` declares the column, last (a table's CHECK may follow it); `before` runs
    first (a PostgreSQL enum type), `after` once the table is there (indexes)."""
    created = "TIMESTAMP NULL" if dialect_of(url) == "mariadb" else "TIMESTAMP"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for statement in before:
            connection.exec_driver_sql(statement)
        connection.exec_driver_sql(
            "CREATE TABLE subscribers (id INTEGER PRIMARY KEY, email VARCHAR(200) NOT NULL, "
            f"phone VARCHAR(40), level INTEGER, created_at {created}, {status})"
        )
        for statement in after:
            connection.exec_driver_sql(statement)
        start = dt.datetime(2025, 1, 1)
        connection.execute(
            sa.text(
                "INSERT INTO subscribers (id, email, phone, status, level, created_at) "
                "VALUES (:id, :email, :phone, :status, :level, :created_at)"
            ),
            [
                {
                    "id": i,
                    "email": f"person{i}@example.org",
                    "phone": f"+7 916 555-{i:02d}-{i:02d}",
                    "status": SEEN[i % 2],
                    "level": i % 3,
                    "created_at": start + dt.timedelta(days=i),
                }
                for i in range(1, rows + 1)
            ],
        )
    engine.dispose()


def policy_text(url: str, when: str, columns: str = "") -> str:
    return f"""version: 1
operator: {{name: Test Operator, jurisdiction: RU-152FZ, timezone: Europe/Moscow, contact: a@b.c}}
purposes:
  - id: informing
    title: Informing
    legal_ground: 149-FZ
    ground: consent
    processing: [transfer]
    data: [email, phone]
stores:
  - name: contacts
    url: {url}
    timestamps: utc
    tables:
      - name: subscribers
        key: id
        purpose: informing
        clock: created_at
        ends:
          - {{reason: consent_withdrawn, when: {when}}}
        columns:
          email: {{data: email, depersonalize: pseudonym_email}}
{columns}"""


def place(path: Path, needle: str) -> str:
    """`FILE:LINE:COLUMN` of the first `needle` in the file at `path`."""
    text = path.read_text(encoding="utf-8")
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    column = index - text.rfind("\n", 0, index)
    return f"{path}:{line}:{column}"


def line_of(path: Path, needle: str) -> str:
    """`FILE:LINE` of the first `needle` in the file at `path`."""
    text = path.read_text(encoding="utf-8")
    return f"{path}:{text.count(chr(10), 0, text.index(needle)) + 1}"


def check(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    path: Path,
    *command: str,
) -> tuple[int | str | None, str]:
    """`pdpipe check PATH` (or `command` given): the exit code and all it printed."""
    code, out, err = run_main(monkeypatch, capsys, *(command or ("check",)), str(path))
    return code, out + err


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path
