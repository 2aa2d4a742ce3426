"""The dashboard as a reviewer sees it: every page in a real headless Chromium from the
file system, charts drawn, no JavaScript error, nothing fetched from elsewhere; and
`pdpipe dashboard` serving the same pages over HTTP."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

import pytest
from playwright.sync_api import ConsoleMessage, Error, Route, sync_playwright

from tests.report.conftest import DemoDashboard
from tests.report.dashboard_site import Page

CHROMIUM = Path("/usr/bin/chromium")  # Debian's; ./dev test installs it where it can

# True once every chart container holds what Vega drew, marks included.
CHARTS_DRAWN = """() => [...document.querySelectorAll('.chart')].every(
    chart => chart.querySelector('svg .role-mark, canvas'))"""


def _chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"{CHROMIUM} is missing (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}: in CI the browser test must run, not skip")
    pytest.skip(message)


@pytest.mark.slow
def test_every_page_renders_in_chromium_without_errors(
    demo_dashboard: DemoDashboard, tmp_path: Path
) -> None:
    pages = sorted(demo_dashboard.site.rglob("*.html"))
    problems: list[str] = []
    fetched_elsewhere: list[str] = []

    def refuse(route: Route) -> None:
        fetched_elsewhere.append(route.request.url)
        route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(_chromium()),
            headless=True,
            # Chromium's sandbox refuses to start as root (containers, CI).
            args=["--no-sandbox"] if os.geteuid() == 0 else [],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route(lambda url: not url.startswith("file:"), refuse)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))

        def console(message: ConsoleMessage) -> None:
            if message.type in ("error", "warning"):
                problems.append(f"{page.url}: console {message.type}: {message.text}")

        page.on("console", console)
        charts = 0
        for path in pages:
            page.goto(path.as_uri())
            try:
                page.wait_for_function(CHARTS_DRAWN, timeout=20_000)
            except Error:
                problems.append(f"{path.name}: a chart was not drawn")
            charts += page.locator(".chart").count()
            name = path.relative_to(demo_dashboard.site).with_suffix("").as_posix()
            page.screenshot(path=tmp_path / f"{name.replace('/', '-')}.png", full_page=True)
        browser.close()

    assert problems == []
    assert fetched_elsewhere == []
    # Runs (4 charts), requests (2), validation (1), backlog (1), discovery (1), one per
    # run page.
    assert charts == 9 + len(demo_dashboard.runs)
    screenshots = list(tmp_path.glob("*.png"))
    assert len(screenshots) == len(pages)
    assert all(shot.stat().st_size > 20_000 for shot in screenshots)  # more than a blank


def test_pdpipe_dashboard_serves_the_pages_over_http(
    demo_dashboard: DemoDashboard, tmp_path: Path
) -> None:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pdpipe.cli",
            "dashboard",
            str(demo_dashboard.policy_path),
            "--port",
            "0",  # any free port: the command prints the one it got
            "--out",
            str(tmp_path / "site"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert server.stdout is not None and server.stderr is not None
        line = server.stdout.readline()
        found = re.search(r"serving (http://127\.0\.0\.1:\d+/\S+)", line)
        assert found, line + (server.stderr.read() if server.poll() is not None else "")
        index_url = found.group(1)
        with urllib.request.urlopen(index_url, timeout=10) as response:
            assert response.status == 200
            assert "Retention runs" in response.read().decode()

        # A run page, and the Data Docs it links to in the run's folder, by its own links.
        site_index = tmp_path / "site" / "index.html"
        run_link = next(link for link in Page(site_index).links if link.startswith("runs/"))
        run_url = urljoin(index_url, run_link)
        docs = next(
            link
            for link in Page(tmp_path / "site" / run_link).links
            if link.endswith("data-docs/index.html")
        )
        for url in (run_url, urljoin(run_url, docs)):
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200, url

        # The root is the folder holding the site and the run folders: nothing else of it
        # is served, such as the policy and the stores beside them.
        beside = os.path.relpath(demo_dashboard.policy_path, tmp_path / "site")
        policy_url = urljoin(index_url, beside)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(policy_url, timeout=10)
        assert refused.value.code == 404
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C
        stdout, stderr = server.communicate(timeout=30)
    assert server.returncode == 0, stderr
    assert "stopped" in stdout
