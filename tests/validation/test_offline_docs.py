"""A run's Data Docs open without a network: every script, stylesheet, font and image a
page uses is a file of the site, copied from pdpipe's own package data."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

import great_expectations
import pytest

from pdpipe.execute.runner import RunOptions
from pdpipe.job import run_policy
from pdpipe.policy import load_policy
from pdpipe.retention.decide import AsOf
from pdpipe.validation import offline_docs
from pdpipe.validation.checks import validate_policy
from tests.execute.builders import AS_OF_DAY, PSEUDONYM_KEY, populate, write_policy

SHIPPED = resources.files("pdpipe.validation") / "data_docs_assets"
GX_TEMPLATES = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
CHROMIUM = Path("/usr/bin/chromium")


class Assets(HTMLParser):
    """What a page loads: scripts, stylesheets, images and its icon (not the links one
    follows)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("script", "img") and found.get("src"):
            self.loaded.append(str(found["src"]))
        elif tag == "link" and found.get("href"):  # stylesheets and the favicon
            self.loaded.append(str(found["href"]))


@pytest.fixture(scope="module")
def data_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Data Docs of a validation after a real run on a small SQLite store."""
    folder = tmp_path_factory.mktemp("offline-docs")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("PDPIPE_TEST_PSEUDONYM_KEY", PSEUDONYM_KEY)
        url = f"sqlite:///{folder / 'store.db'}"
        populate(url, people_count=60, leads_count=60)
        policy = load_policy(write_policy(folder, url))
        as_of = AsOf.end_of_day(AS_OF_DAY, policy.operator.timezone)
        result = run_policy(policy, RunOptions(as_of=as_of, allow_large=True))
        report = validate_policy(policy, as_of, folder / "validation", result.run_id)
    assert report.data_docs is not None and report.success
    return report.data_docs.parent


def test_no_page_loads_a_script_or_stylesheet_from_elsewhere(data_docs: Path) -> None:
    pages = sorted(data_docs.rglob("*.html"))
    assert len(pages) >= 5  # the index, and per store table a suite and a validation page
    for page in pages:
        loaded = Assets(page).loaded
        assert any(link.endswith("/vendor/jquery.min.js") for link in loaded), page
        assert [link for link in loaded if urlsplit(link).scheme or link.startswith("//")] == []
        missing = [
            link for link in loaded if not (page.parent / unquote(urlsplit(link).path)).is_file()
        ]
        assert missing == [], page
        # GX draws charts with Vega, which the site does not carry: no page may need it.
        assert "vegaEmbed(" not in page.read_text(encoding="utf-8"), page


def test_the_fonts_the_stylesheets_name_are_in_the_site(data_docs: Path) -> None:
    stylesheets = list((data_docs / offline_docs.VENDOR).rglob("*.css"))
    assert stylesheets
    for css in stylesheets:
        for target in re.findall(r"url\(([^)\"']+)\)", css.read_text(encoding="utf-8")):
            assert not target.startswith("data:") and (css.parent / target).is_file(), target
    icons = data_docs / offline_docs.VENDOR / "fontawesome" / "webfonts" / "fa-solid-900.woff2"
    assert icons.stat().st_size > 50_000  # the check and cross icons of every result


def test_every_remote_asset_of_the_installed_gx_templates_is_handled() -> None:
    """An upgrade of GX that loads something new from a CDN fails here, not offline."""
    named: set[str] = set()
    for template in GX_TEMPLATES.glob("*.j2"):
        text = template.read_text(encoding="utf-8")
        named |= set(re.findall(r"""<script\b[^>]*\bsrc="(https?://[^"]+)\"""", text))
        named |= set(re.findall(r"""<link\b[^>]*\bhref="(https?://[^"]+)\"""", text))
    assert named, "GX's templates moved: look for their CDN links again"
    assert sorted(named - offline_docs.LOCAL.keys()) == []
    for name in filter(None, offline_docs.LOCAL.values()):
        assert (SHIPPED / name).is_file(), name


def test_each_shipped_file_is_the_one_the_update_script_recorded() -> None:
    recorded: dict[str, dict[str, str]] = json.loads(
        (SHIPPED / "versions.json").read_text(encoding="utf-8")
    )
    assert set(filter(None, offline_docs.LOCAL.values())) <= recorded.keys()
    for name, entry in recorded.items():
        assert hashlib.sha256((SHIPPED / name).read_bytes()).hexdigest() == entry["sha256"], name
    licenses = {path.name for path in (SHIPPED / "licenses").iterdir()}
    assert {"jquery.LICENSE", "bootstrap.LICENSE", "fontawesome-free.LICENSE"} <= licenses


def test_an_unknown_remote_script_is_dropped_and_named_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    page = (
        '<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/'
        'bootstrap.min.css"/>\n<script src="https://cdn.example.org/new.js"></script>\n'
        '<img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/'
        'logo-long.png?d=20261125T000000Z" alt="GX">'
    )
    with caplog.at_level(logging.WARNING, logger="pdpipe.validation.offline_docs"):
        local = offline_docs.localize(page, "../..")
    assert local == (
        '<link rel="stylesheet" href="../../static/vendor/bootstrap.min.css">\n\n'
        '<img src="../../static/images/logo-long.png" alt="GX">'
    )
    assert "https://cdn.example.org/new.js" in caplog.text


@pytest.mark.slow
def test_the_pages_render_in_chromium_with_nothing_fetched_from_elsewhere(
    data_docs: Path,
) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: in CI the browser test must run")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import Route, sync_playwright

    problems: list[str] = []
    elsewhere: list[str] = []

    def refuse(route: Route) -> None:
        elsewhere.append(route.request.url)
        route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox"] if os.geteuid() == 0 else [],
        )
        context = browser.new_context()
        context.route(lambda url: not url.startswith("file:"), refuse)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
        page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
        page.goto((data_docs / "index.html").as_uri())
        # bootstrap-table draws the index's rows from data in the page: one per suite run.
        page.wait_for_function("() => document.querySelectorAll('tbody tr').length >= 2")
        icon_font = page.evaluate(
            "() => getComputedStyle(document.querySelector('i.fas'), '::before').fontFamily"
        )
        for other in sorted(data_docs.glob("validations/**/*.html")):
            page.goto(other.as_uri())
            page.wait_for_load_state("load")
        browser.close()
    assert problems == []
    assert elsewhere == []
    assert "Font Awesome" in icon_font
