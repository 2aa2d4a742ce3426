"""The wheel (what the Docker image installs, `uv sync --no-editable`) carries every file
of the package, its data included: the dashboard's Vega, the Data Docs' assets, the
templates and the act's fonts."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.deploy.files import ROOT

UV = ROOT / ".tools" / "bin" / "uv"  # ./dev installs it


def _package_files() -> set[str]:
    """Every file git tracks under src/pdpipe, as a path inside the wheel."""
    listed = subprocess.run(
        ["git", "ls-files", "src/pdpipe"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {path.removeprefix("src/") for path in listed}


@pytest.mark.slow
def test_the_wheel_holds_every_file_of_the_package(tmp_path: Path) -> None:
    uv = str(UV) if UV.exists() else shutil.which("uv")
    if uv is None:
        pytest.skip("no uv (./dev setup installs it)")
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(tmp_path), "--quiet"],
        cwd=ROOT,
        check=True,
        timeout=300,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
    )
    (wheel,) = tmp_path.glob("pdpipe-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packed = set(archive.namelist())
    expected = _package_files()
    assert any(path.endswith("assets/vega-lite.min.js") for path in expected)
    assert any(path.endswith("data_docs_assets/jquery.min.js") for path in expected)
    assert sorted(expected - packed) == []
