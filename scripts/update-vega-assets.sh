#!/usr/bin/env bash
# Refreshes the dashboard's copies of Vega, Vega-Lite and vega-embed
# (src/pdpipe/report/dashboard/assets/) for the Altair in .venv, i.e. in uv.lock:
#   vega-lite   exactly the version Altair writes its specs for (altair.VEGALITE_VERSION)
#   vega        the newest release of the major version Altair names (altair.VEGA_VERSION)
#   vega-embed  likewise (altair.VEGAEMBED_VERSION)
# Each file is the project's own minified UMD build, taken from its npm package with
# `npm pack` (the npm registry; no CDN), less its sourceMappingURL comment (the maps are
# not shipped). Run it after upgrading Altair in uv.lock, then run
# tests/report/test_dashboard_assets.py and the browser test, and commit the folder.
#   ./scripts/update-vega-assets.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ASSETS=src/pdpipe/report/dashboard/assets
PYTHON=.venv/bin/python

altair() { "$PYTHON" -c "import altair; print(altair.$1)"; }

# The newest published version matching a range ("6" -> the newest 6.x.y).
newest() {
  npm view "$1@$2" version --json | "$PYTHON" -c '
import json, sys
found = json.load(sys.stdin)
found = found if isinstance(found, list) else [found]
# npm lists them in publishing order, not by version (a 6.3.x fix after 6.4.0).
print(max(found, key=lambda v: tuple(int(part) for part in v.split("."))))'
}

declare -A VERSIONS=(
  [vega]=$(newest vega "$(altair VEGA_VERSION)")
  [vega-lite]=$(altair VEGALITE_VERSION)
  [vega-embed]=$(newest vega-embed "$(altair VEGAEMBED_VERSION)")
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$ASSETS/licenses"
for name in vega vega-lite vega-embed; do
  version=${VERSIONS[$name]}
  tarball=$(cd "$work" && npm pack --silent "$name@$version")
  mkdir "$work/$name"
  tar -xzf "$work/$tarball" -C "$work/$name"
  sed '/^\/\/# sourceMappingURL=/d; s|//# sourceMappingURL=[^ ]*$||' \
    "$work/$name/package/build/$name.min.js" >"$ASSETS/$name.min.js"
  cp "$work/$name/package/LICENSE" "$ASSETS/licenses/$name.LICENSE"
  echo "$name $version" >&2
done

# What is shipped, for the test that keeps it in step with Altair.
"$PYTHON" - "$ASSETS" "${VERSIONS[vega]}" "${VERSIONS[vega-lite]}" "${VERSIONS[vega-embed]}" <<'PY'
import hashlib, json, pathlib, sys
folder = pathlib.Path(sys.argv[1])
names = ("vega", "vega-lite", "vega-embed")
versions = {
    name: {
        "version": version,
        "file": f"{name}.min.js",
        "sha256": hashlib.sha256((folder / f"{name}.min.js").read_bytes()).hexdigest(),
        "license": "BSD-3-Clause",
    }
    for name, version in zip(names, sys.argv[2:], strict=True)
}
(folder / "versions.json").write_text(json.dumps(versions, indent=2) + "\n", encoding="utf-8")
PY
