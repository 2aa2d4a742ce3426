"""pdpipe: enforce a personal-data processing policy on real databases.

    import pdpipe
    policy = pdpipe.load_policy("policy.yaml")
    print(pdpipe.plan(policy).to_json()["totals"])
    result = pdpipe.run(policy)                  # act, erase, check, document
    pdpipe.verify_ledger(policy, anchors="runs")

The functions are those of pdpipe.api; each imports what it needs when called, so
`import pdpipe` loads nothing heavy.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from pdpipe import api
from pdpipe.api import *  # noqa: F403  (the public functions: api.__all__)

try:
    __version__ = version("pdpipe")
except PackageNotFoundError:  # run from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__", *api.__all__]
