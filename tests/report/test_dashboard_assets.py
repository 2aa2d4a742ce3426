"""The dashboard's own copies of Vega, Vega-Lite and vega-embed: the versions Altair
writes its charts for, unchanged since scripts/update-vega-assets.sh took them, licensed,
and what every page with a chart loads, from the site itself."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path

import altair as alt

from tests.report.conftest import DemoDashboard
from tests.report.dashboard_site import Page

PACKAGED = resources.files("pdpipe.report.dashboard") / "assets"


def _shipped() -> dict[str, dict[str, str]]:
    versions: dict[str, dict[str, str]] = json.loads(
        (PACKAGED / "versions.json").read_text(encoding="utf-8")
    )
    return versions


def _major(version: str) -> str:
    return version.split(".")[0]


def test_the_shipped_vega_matches_the_altair_in_the_lock_file() -> None:
    shipped = _shipped()
    assert shipped["vega-lite"]["version"] == alt.VEGALITE_VERSION
    assert _major(shipped["vega"]["version"]) == _major(alt.VEGA_VERSION)
    assert _major(shipped["vega-embed"]["version"]) == _major(alt.VEGAEMBED_VERSION)
    # The file holds the version it claims: Vega-Lite's build names its own.
    vega_lite = (PACKAGED / "vega-lite.min.js").read_text(encoding="utf-8")
    assert f'"{alt.VEGALITE_VERSION}"' in vega_lite


def test_each_shipped_file_is_the_one_the_update_script_recorded() -> None:
    for name, entry in _shipped().items():
        content = (PACKAGED / entry["file"]).read_bytes()
        assert hashlib.sha256(content).hexdigest() == entry["sha256"], name
        license_text = (PACKAGED / "licenses" / f"{name}.LICENSE").read_text(encoding="utf-8")
        assert "University of Washington Interactive Data Lab" in license_text
        # No map is shipped, so no build may ask the browser's tools for one.
        assert b"sourceMappingURL" not in content, name


def test_every_chart_page_loads_vega_from_the_site_and_nothing_from_elsewhere(
    demo_dashboard: DemoDashboard,
) -> None:
    site = demo_dashboard.site
    chart_pages = 0
    for path in sorted(site.rglob("*.html")):
        page = Page(path)
        html = path.read_text(encoding="utf-8")
        remote = re.findall(r"""<(?:script|link)\b[^>]*(?:src|href)=["']?(?:https?:)?//""", html)
        assert remote == [], path
        scripts = [Path(link).name for link in page.links if link.endswith(".js")]
        if 'class="chart"' in html:
            chart_pages += 1
            # In this order: each build needs the global the one before it sets.
            assert scripts == [
                "vega.min.js",
                "vega-lite.min.js",
                "vega-embed.min.js",
                "dashboard.js",
            ], path
        for target in page.local_targets():
            assert target.exists(), (path, target)
    assert chart_pages >= 4
    for name, entry in _shipped().items():
        copied = site / "assets" / entry["file"]
        assert copied.read_bytes() == (PACKAGED / entry["file"]).read_bytes(), name
        assert (site / "assets" / "licenses" / f"{name}.LICENSE").is_file()
