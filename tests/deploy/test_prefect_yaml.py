"""The files prefect.yaml's deployments load."""

from __future__ import annotations

import importlib.util

from tests.deploy import files


def test_no_entrypoint_file_shadows_an_installed_module() -> None:
    """Prefect puts flows/ on sys.path: flows/requests.py once hid the `requests` library
    from Great Expectations, and every worker run failed on import."""
    shadowing = [
        path.name
        for path in (files.ROOT / "flows").glob("*.py")
        if importlib.util.find_spec(path.stem) is not None
    ]
    assert shadowing == []
