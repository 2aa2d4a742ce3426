"""Data Docs that open without a network.

Great Expectations' page templates load Bootstrap, jQuery, bootstrap-table, Font Awesome
and Vega from CDNs, and the logo from GX's web bucket: offline, the index page's table
(drawn by bootstrap-table) and every icon are missing, and online each page view tells
those hosts that a validation was looked at. GX has no setting for this, so after GX has
built the site, `make_offline` copies the files the pages need (shipped in
``data_docs_assets/``, see its LICENSES.md) into ``static/vendor/`` and rewrites each
page's links to them, relative to the page, so the site also works from ``file://``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

VENDOR = Path("static") / "vendor"

# Every script and stylesheet GX 1.x's templates load from elsewhere, and the local copy
# that replaces it; None drops the tag. tests/validation/test_offline_docs.py fails when the
# installed GX's templates name a URL missing here.
LOCAL: dict[str, str | None] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table.min.js"
    ),
    # GX's pages mix 1.19.0 and 1.19.1 of the extension's stylesheet; one copy serves both.
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": "bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": "bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": "bootstrap-table-filter-control.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "fontawesome/css/all.min.css"
    ),
    # Charts: GX draws them only for expectations pdpipe's suites do not use (a test
    # fails if a page ever calls vegaEmbed).
    "https://cdn.jsdelivr.net/npm/vega@5": None,
    "https://cdn.jsdelivr.net/npm/vega-lite@5": None,
    "https://cdn.jsdelivr.net/npm/vega-embed@6": None,
    # The dark theme for browsers that prefer one (880 kB); the light one stays readable.
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": None,
}

# A <script src=...></script> or <link ... href=...> that loads from another host.
_REMOTE_TAG = re.compile(
    r"""<script\b[^>]*\bsrc=["'](?P<script>(?:https?:)?//[^"']+)["'][^>]*>\s*</script>"""
    r"""|<link\b[^>]*\bhref=["'](?P<link>(?:https?:)?//[^"']+)["'][^>]*>""",
    re.IGNORECASE,
)
# GX's images, as links to the site's static/images/ folder, where GX copies them: the
# navbar's logo from GX's web bucket, and the favicon, which GX links one folder short on
# validation pages.
_GX_IMAGE = re.compile(
    r"""(?P<attribute>\b(?:src|href)=["'])"""
    r"""(?:https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/"""
    r"""|(?:\.\.?/)*static/images/)"""
    r"""(?P<name>[\w.-]+\.(?:png|svg|gif|ico))(?:\?[^"']*)?"""
)


def make_offline(site: Path) -> None:
    """Copy the vendored assets into the Data Docs site at `site` and point every page's
    scripts, stylesheets and GX images at local files."""
    _copy_assets(site / VENDOR)
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        local = localize(html, Path(os.path.relpath(site, page.parent)).as_posix())
        if local != html:
            page.write_text(local, encoding="utf-8")


def localize(html: str, root: str) -> str:
    """`html` of a page with its remote scripts and stylesheets replaced by the local
    copies under `root` (the site's folder, relative to the page)."""

    def replace(match: re.Match[str]) -> str:
        url = match.group("script") or match.group("link")
        if url not in LOCAL:
            # Dropped rather than fetched: a page without a style is still readable, a
            # request to an unknown host is not what the operator deployed.
            log.warning("Data Docs: dropped a link to %s that pdpipe has no copy of", url)
            return ""
        name = LOCAL[url]
        if name is None:
            return ""
        href = f"{root}/{VENDOR.as_posix()}/{name}"
        if match.group("script"):
            return f'<script src="{href}"></script>'
        return f'<link rel="stylesheet" href="{href}">'

    html = _REMOTE_TAG.sub(replace, html)
    return _GX_IMAGE.sub(
        lambda m: f"{m.group('attribute')}{root}/static/images/{m.group('name')}", html
    )


def _copy_assets(folder: Path) -> None:
    shipped = resources.files("pdpipe.validation") / "data_docs_assets"
    with resources.as_file(shipped) as source:
        shutil.copytree(
            source,
            folder,
            ignore=shutil.ignore_patterns("*.md", "versions.json"),
            dirs_exist_ok=True,
        )
