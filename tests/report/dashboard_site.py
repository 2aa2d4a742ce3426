"""Helpers of the dashboard tests: runs that leave what the nightly flow leaves, without
starting Prefect, and a reader of the pages' links and tables."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pdpipe import json_files
from pdpipe.execute.runner import RunOptions, RunResult
from pdpipe.job import run_policy
from pdpipe.policy import Policy
from pdpipe.report import run_summary
from pdpipe.report.documents.gather import Scope
from pdpipe.report.documents.issue import issue
from pdpipe.report.formats import SUMMARY
from pdpipe.retention.decide import AsOf
from pdpipe.settings import output_dir
from pdpipe.validation import snapshot
from pdpipe.validation.checks import validate_policy


def run_like_the_nightly_flow(policy: Policy, day: dt.date) -> RunResult:
    """The flow's steps in one process (flows/retention.py): snapshot, run, validate into
    the run folder, summary.json, the documents. The flow itself is tested on Prefect in
    tests/flows and, with this dashboard, in test_dashboard_canaries.py."""
    assert policy.file is not None
    as_of = AsOf.end_of_day(day, policy.operator.timezone)
    result = run_policy(policy, RunOptions(as_of=as_of, allow_large=True, snapshot=True))
    assert result.run_id is not None
    folder = output_dir(policy.file) / f"{day.isoformat()}-{result.run_id}"
    validation = validate_policy(
        policy, as_of, folder / "validation", result.run_id, expect_snapshot=True
    )
    snapshot.drop(policy, result.run_id)
    json_files.write(folder / SUMMARY, run_summary.summary(result, [], validation))
    issue(policy, Scope(result.run_id), folder / "documents")
    return result


class Page(HTMLParser):
    """A page's links (href and src), and the body rows of its tables by id, as texts."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.links: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._in_body = False
        self._cell: list[str] | None = None
        self._row: list[str] = []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("href", "src"):
            if found.get(name):
                self.links.append(str(found[name]))
        if tag == "table":
            self._table = found.get("id") or f"table-{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._table is not None and self._in_body:
            self.tables[self._table].append(self._row)
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def local_targets(self) -> list[Path]:
        """Every link that points into the file system, resolved from this page."""
        targets = []
        for link in self.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            targets.append((self.path.parent / unquote(parts.path)).resolve())
        return targets


def number(text: str) -> int:
    return int(text.replace(",", ""))
