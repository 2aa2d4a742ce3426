"""pdpipe: enforce a personal-data processing policy on real databases.

    import pdpipe
    policy = pdpipe.load_policy("policy.yaml")
    print(pdpipe.plan(policy).to_json()["totals"])
    result = pdpipe.run(policy)                  # act, erase, check, document
    pdpipe.verify_ledger(policy, anchors="runs")

The functions are those of pdpipe.api, imported when first used: `import pdpipe` loads
nothing heavy.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("pdpipe")
except PackageNotFoundError:  # run from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "__version__",
    "ingest_requests",
    "issue_documents",
    "load_policy",
    "plan",
    "process_requests",
    "run",
    "validate",
    "verify_ledger",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        value = getattr(import_module("pdpipe.api"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pdpipe' has no attribute {name!r}")


if TYPE_CHECKING:
    from pdpipe.api import (
        ingest_requests,
        issue_documents,
        load_policy,
        plan,
        process_requests,
        run,
        validate,
        verify_ledger,
    )
