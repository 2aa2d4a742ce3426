"""Remembers what a demo folder was built with, so `pdpipe demo` run again reuses it.

Running the demo twice must show the second nightly run doing nothing; rebuilding the
stores every time would hide exactly that.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MARKER = "demo.json"


def build_settings(subjects: int, seed: int, url: str | None, as_of: str) -> dict[str, Any]:
    # The URL is compared as given; it is written only to the user's own demo folder.
    return {"subjects": subjects, "seed": seed, "url": url, "as_of": as_of}


def already_built(directory: Path, settings: dict[str, Any]) -> bool:
    marker = directory / MARKER
    if not marker.exists() or not (directory / "policy.yaml").exists():
        return False
    try:
        return bool(json.loads(marker.read_text(encoding="utf-8")) == settings)
    except ValueError:
        return False


def remember(directory: Path, settings: dict[str, Any]) -> None:
    (directory / MARKER).write_text(json.dumps(settings, indent=2), encoding="utf-8")


def forget(directory: Path) -> None:
    (directory / MARKER).unlink(missing_ok=True)
