"""The dashboard as static files: jinja2 templates rendered into HTML pages.

    index.html        runs over time
    backlog.html      records due per table, days left to their deadlines
    requests.html     subject requests by status and deadline
    discovery.html    undeclared PD over the kept discovery scans, the latest per column
    validation.html   Great Expectations results per run, with links to the Data Docs
    runs/<id>.html    one run: counts, checks, documents
    assets/           vega.min.js, vega-lite.min.js, vega-embed.min.js (with licenses/),
                      dashboard.js, style.css

Every link is relative, to the site's own pages and to the run folders, so the site opens
from the file system and from behind any web server that serves both. No page loads
anything from elsewhere: Vega's JavaScript is the site's own copy, shipped in this
package's assets/ (scripts/update-vega-assets.sh keeps it in step with Altair).
"""

from __future__ import annotations

import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from pdpipe.report.dashboard import charts
from pdpipe.report.dashboard.data import (
    DAYS_LEFT,
    MANUAL,
    REQUEST,
    REQUEST_DAYS_LEFT,
    Acted,
    Dashboard,
)

ASSETS = "assets"
# In the order the pages load them: each sets a global the next one needs (vega,
# vegaLite, then vegaEmbed, which dashboard.js calls).
VEGA_SCRIPTS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
VEGA_LICENSES = tuple(f"licenses/{name.removesuffix('.min.js')}.LICENSE" for name in VEGA_SCRIPTS)
PAGES = {
    "index": "Runs",
    "backlog": "Backlog",
    "requests": "Requests",
    "discovery": "Discovery",
    "validation": "Validation",
}


def run_page(out: Path, run_id: str) -> Path:
    """Where the page of one run lives in a dashboard written to `out`."""
    return out / "runs" / f"{_file_name(run_id)}.html"


def _file_name(run_id: str) -> str:
    # Run ids are UUIDs (or request-<id>); anything else must not reach the file system.
    return re.sub(r"[^A-Za-z0-9_.-]", "_", run_id)


def write_site(data: Dashboard, out: Path) -> Path:
    """Write every page of `data` into `out`; returns index.html."""
    out.mkdir(parents=True, exist_ok=True)
    _write_assets(out / ASSETS)
    environment = _environment()
    index = out / "index.html"
    _render(environment, "index.html", index, out, data, _runs_context(data))
    _render(environment, "backlog.html", out / "backlog.html", out, data, _backlog_context(data))
    _render(environment, "requests.html", out / "requests.html", out, data, _requests_context(data))
    _render(
        environment, "discovery.html", out / "discovery.html", out, data, _discovery_context(data)
    )
    _render(
        environment,
        "validation.html",
        out / "validation.html",
        out,
        data,
        {"specs": _specs(checks=charts.checks_per_run(data.runs) if _checked(data) else None)},
    )
    for run in data.runs:
        page = run_page(out, run.run_id)
        page.parent.mkdir(exist_ok=True)
        context = {"run": run, "specs": _specs(acted=charts.run_acted(run) if run.acted else None)}
        _render(environment, "run.html", page, out, data, context)
    return index


def _write_assets(folder: Path) -> None:
    (folder / "licenses").mkdir(parents=True, exist_ok=True)
    package = resources.files("pdpipe.report.dashboard")
    for name in (*VEGA_SCRIPTS, *VEGA_LICENSES):
        _write_if_changed(folder / name, (package / "assets" / name).read_bytes())
    for name in ("dashboard.js", "style.css"):
        _write_if_changed(folder / name, (package / "static" / name).read_bytes())
    # The one-file bundle that sites written by earlier pdpipe loaded: no page needs it now.
    (folder / "vega.js").unlink(missing_ok=True)


def _write_if_changed(path: Path, content: bytes) -> None:
    """One copy of each asset, rewritten only when it differs (Vega's are ~800 kB)."""
    if not path.is_file() or path.read_bytes() != content:
        path.write_bytes(content)


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("pdpipe.report.dashboard", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["num"] = _num
    return environment


def _num(value: int | float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _render(
    environment: jinja2.Environment,
    template: str,
    page: Path,
    out: Path,
    data: Dashboard,
    context: dict[str, Any],
) -> None:
    def link(target: Path) -> str:
        """`target` relative to this page, as a URL path."""
        return quote(Path(os.path.relpath(target, page.parent)).as_posix())

    html = environment.get_template(template).render(
        data=data,
        page=page.stem if page.parent == out else "run",
        pages=PAGES,
        root=link(out) + "/",
        link=link,
        run_href=lambda run_id: link(run_page(out, run_id)),
        vega_scripts=VEGA_SCRIPTS,
        **context,
    )
    page.write_text(html, encoding="utf-8")


def _specs(**specs: dict[str, Any] | None) -> dict[str, Markup]:
    """Each chart's spec as JSON that is safe inside a <script> element."""
    return {name: _script_json(spec) for name, spec in specs.items() if spec is not None}


def _script_json(value: Any) -> Markup:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    # "</script>" in a string would end the element; JSON reads \u003c as "<".
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _checked(data: Dashboard) -> bool:
    return any(run.checks is not None for run in data.runs)


def _runs_context(data: Dashboard) -> dict[str, Any]:
    outside = [a for a in data.acted if a.source in (REQUEST, MANUAL)]
    specs = _specs(
        by_action=charts.acted_per_day(data.acted, "action") if data.acted else None,
        by_reason=charts.acted_per_day(data.acted, "reason") if data.acted else None,
        overdue=charts.overdue_per_run(data.runs)
        if any(r.overdue_before is not None for r in data.runs)
        else None,
        duration=charts.duration_per_run(data.runs)
        if any(r.seconds is not None for r in data.runs)
        else None,
    )
    return {
        "specs": specs,
        "outside": _per_day(outside),
        "records": sum(a.records for a in data.acted),
        "last": data.runs[0] if data.runs else None,
        "open_requests": len(data.requests.open),
    }


def _per_day(acted: list[Acted]) -> list[dict[str, Any]]:
    """Ledger entries outside nightly runs, per day, source, table, action and reason."""
    rows: dict[tuple[str, str, str, str, str], int] = {}
    for a in acted:
        key = (a.day.isoformat(), a.source, f"{a.store}.{a.table}", a.action, a.reason)
        rows[key] = rows.get(key, 0) + a.records
    names = ("day", "source", "table", "action", "reason")
    return [
        dict(zip(names, key, strict=True)) | {"records": n}
        for key, n in sorted(rows.items(), reverse=True)
    ]


def _backlog_context(data: Dashboard) -> dict[str, Any]:
    plan = data.backlog.plan
    due = sum(t.due for t in plan.tables)
    return {
        "specs": _specs(days_left=charts.backlog_days_left(data.backlog) if due else None),
        "plan": plan,
        "buckets": DAYS_LEFT,
        "totals": plan.to_json()["totals"],
        "blocked": sum(t.blocked for t in plan.tables),
    }


def _requests_context(data: Dashboard) -> dict[str, Any]:
    requests = data.requests
    statuses = sorted({c.status for c in requests.counts})
    types = sorted({c.type for c in requests.counts})
    table = {(c.status, c.type): c.requests for c in requests.counts}
    waiting = sum(requests.open_by_days_left.values())
    return {
        "specs": _specs(
            by_status=charts.requests_by_status(requests.counts) if requests.counts else None,
            days_left=charts.requests_by_days_left(requests.open_by_days_left) if waiting else None,
        ),
        "requests": requests,
        "statuses": statuses,
        "types": types,
        "table": table,
        "buckets": REQUEST_DAYS_LEFT,
    }


def _discovery_context(data: Dashboard) -> dict[str, Any]:
    from pdpipe.discovery.compare import Status

    discovery = data.discovery
    return {
        "specs": _specs(
            undeclared=charts.undeclared_per_scan(discovery) if discovery.scans else None
        ),
        "discovery": discovery,
        "latest": discovery.scans[-1] if discovery.scans else None,
        "undeclared": [v for v in discovery.latest if v.status is Status.UNDECLARED],
        "others": [v for v in discovery.latest if v.status is not Status.UNDECLARED],
    }
