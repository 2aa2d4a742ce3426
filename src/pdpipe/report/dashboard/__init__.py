"""The review dashboard: a static HTML site of what pdpipe did and what is due.

    >>> index = build_dashboard(load_policy("policy.yaml"), Path("runs/dashboard"))
    >>> run_page(Path("runs/dashboard"), run_id)   # one run's page in it

Pages: runs over time, the backlog, subject requests, validation, one page per run. The
site needs no server (it opens from the file system) and loads nothing from elsewhere.
It holds counts, dates, table names, run ids and record keys: never personal data.

    data.py    gathers the counts from the stores, the run folders and the register
    charts.py  Altair charts of them, as Vega-Lite specs
    site.py    the HTML pages and their assets
    serve.py   a local web server for `pdpipe dashboard`
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pdpipe.policy.models import Policy
from pdpipe.report.dashboard.data import Progress, gather
from pdpipe.report.dashboard.site import run_page, write_site
from pdpipe.retention.decide import AsOf
from pdpipe.settings import output_dir

DASHBOARD_FOLDER = "dashboard"


def default_dashboard_dir(policy_path: Path) -> Path:
    """Inside the run outputs' folder, so that one web server can serve the dashboard and
    the run folders it links to (Data Docs, documents)."""
    return output_dir(policy_path) / DASHBOARD_FOLDER


def build_dashboard(
    policy: Policy,
    out: Path,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> Path:
    """Write the dashboard into `out`; returns its index.html.

    The backlog is decided as of the end of `today` in the operator's timezone (default:
    now, as `pdpipe plan` decides), and the requests' days left count from that day.
    Reads only: SQLite stores are opened read-only, servers get SELECTs.
    """
    timezone = policy.operator.timezone
    as_of = (
        AsOf.at(dt.datetime.now(dt.UTC), timezone)
        if today is None
        else AsOf.end_of_day(today, timezone)
    )
    return write_site(gather(policy, as_of, progress), out)


__all__ = ["build_dashboard", "default_dashboard_dir", "run_page"]
