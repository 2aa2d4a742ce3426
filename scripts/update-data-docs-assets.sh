#!/usr/bin/env bash
# Refreshes the local copies of what Great Expectations' Data Docs pages load from CDNs
# (src/pdpipe/validation/data_docs_assets/), so that a run's Data Docs open offline.
# src/pdpipe/validation/offline_docs.py points each CDN link of GX's templates at one of
# these files. The versions are the ones GX 1.x's templates name
# (great_expectations/render/view/templates/{page,index_page,js_script_imports}.j2);
# tests/validation/test_offline_docs.py fails when an installed GX loads a URL that
# offline_docs.py does not know. Each file is taken unchanged from its npm package with
# `npm pack` (the npm registry; no CDN), less its sourceMappingURL comment; Font Awesome's
# stylesheet also loses its TrueType fallbacks (only the WOFF2 fonts are shipped, which
# every browser that runs bootstrap 4 reads).
#   ./scripts/update-data-docs-assets.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ASSETS=src/pdpipe/validation/data_docs_assets
PYTHON=.venv/bin/python

# npm package@version | file in the package | file here
FILES=(
  "jquery@3.7.1|dist/jquery.min.js|jquery.min.js"
  "popper.js@1.12.9|dist/umd/popper.min.js|popper.min.js"
  "bootstrap@4.3.1|dist/css/bootstrap.min.css|bootstrap.min.css"
  "bootstrap@4.3.1|dist/js/bootstrap.min.js|bootstrap.min.js"
  "bootstrap-table@1.19.1|dist/bootstrap-table.min.css|bootstrap-table.min.css"
  "bootstrap-table@1.19.1|dist/bootstrap-table.min.js|bootstrap-table.min.js"
  "bootstrap-table@1.19.1|dist/extensions/filter-control/bootstrap-table-filter-control.min.css|bootstrap-table-filter-control.min.css"
  "bootstrap-table@1.19.1|dist/extensions/filter-control/bootstrap-table-filter-control.min.js|bootstrap-table-filter-control.min.js"
  "bootstrap-datepicker@1.9.0|dist/css/bootstrap-datepicker.min.css|bootstrap-datepicker.min.css"
  "bootstrap-datepicker@1.9.0|dist/js/bootstrap-datepicker.min.js|bootstrap-datepicker.min.js"
  "@fortawesome/fontawesome-free@6.6.0|css/all.min.css|fontawesome/css/all.min.css"
  "@fortawesome/fontawesome-free@6.6.0|webfonts/fa-brands-400.woff2|fontawesome/webfonts/fa-brands-400.woff2"
  "@fortawesome/fontawesome-free@6.6.0|webfonts/fa-regular-400.woff2|fontawesome/webfonts/fa-regular-400.woff2"
  "@fortawesome/fontawesome-free@6.6.0|webfonts/fa-solid-900.woff2|fontawesome/webfonts/fa-solid-900.woff2"
  "@fortawesome/fontawesome-free@6.6.0|webfonts/fa-v4compatibility.woff2|fontawesome/webfonts/fa-v4compatibility.woff2"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$ASSETS/fontawesome" "$ASSETS/licenses"
mkdir -p "$ASSETS/licenses"
manifest="$work/manifest.tsv"
: >"$manifest"
for entry in "${FILES[@]}"; do
  IFS='|' read -r spec inside here <<<"$entry"
  unpacked="$work/${spec//[@\/]/_}"
  if [ ! -d "$unpacked" ]; then
    tarball=$(cd "$work" && npm pack --silent "$spec")
    mkdir "$unpacked"
    tar -xzf "$work/$tarball" -C "$unpacked"
    name=${spec%@*}
    license=$(ls "$unpacked/package" | grep -iE '^licen[cs]e' | head -1 || true)
    if [ -n "$license" ]; then
      cp "$unpacked/package/$license" "$ASSETS/licenses/${name##*/}.LICENSE"
    fi
  fi
  mkdir -p "$(dirname "$ASSETS/$here")"
  case "$here" in
    *.js | *.css)
      sed -E 's#/[/*]\# sourceMappingURL=[^ ]*( \*/)?$##' "$unpacked/package/$inside" |
        sed -E 's#,url\(\.\./webfonts/[a-z0-9-]+\.ttf\) format\("truetype"\)##g' >"$ASSETS/$here"
      ;;
    *) cp "$unpacked/package/$inside" "$ASSETS/$here" ;;
  esac
  printf '%s\t%s\t%s\n' "$here" "${spec%@*}" "${spec##*@}" >>"$manifest"
  echo "$here  ($spec)" >&2
done

"$PYTHON" - "$ASSETS" "$manifest" <<'PY'
import hashlib, json, pathlib, sys
folder = pathlib.Path(sys.argv[1])
files = {}
for line in pathlib.Path(sys.argv[2]).read_text(encoding="utf-8").splitlines():
    here, package, version = line.split("\t")
    digest = hashlib.sha256((folder / here).read_bytes()).hexdigest()
    files[here] = {"package": package, "version": version, "sha256": digest}
(folder / "versions.json").write_text(json.dumps(files, indent=2) + "\n", encoding="utf-8")
PY
