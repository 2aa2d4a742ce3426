"""The benchmark's policy: the demo policy, with the CRM's contacts depersonalized, and no
physical erasure after the run (as the hand-written SQL does none).

The demo policy destroys every record whose purpose ended. Here the crm `contacts` table
gets a purpose of its own that ends in depersonalization (`on_end: depersonalize`), so
that one run covers both kinds of work: DELETE with children (mailing `subscribers`:
memberships deleted, views and clicks detached) and keyed pseudonyms, masks and
redaction written back (crm `contacts`). Both stores point at the same database.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from bench import BENCH_KEY, KEY_VARIABLE
from pdpipe.demo import demo_policy_yaml
from pdpipe.policy import Policy, load_policy

CRM_PURPOSE = "crm-informing"
POLICY_FILE = "policy.yaml"


def policy_text(url: str) -> str:
    """The benchmark policy for a database holding both demo stores."""
    raw: dict[str, Any] = yaml.safe_load(demo_policy_yaml(url, url))
    raw.pop("requests", None)  # subject requests are not benchmarked
    raw["secrets"] = {"pseudonym_key": f"env:{KEY_VARIABLE}"}
    mailing_purpose = raw["purposes"][0]
    raw["purposes"].append(
        {
            **copy.deepcopy(mailing_purpose),  # no shared lists: no YAML anchors
            "id": CRM_PURPOSE,
            "title": "Informing the User by sending emails (CRM; kept depersonalized)",
            "on_end": "depersonalize",
        }
    )
    for store in raw["stores"]:
        # The hand-written SQL and the naive loop it is compared with erase nothing from
        # the data files after their DELETEs: neither does pdpipe here (its VACUUM of the
        # touched tables, the default, is measured on its own: docs/performance.md).
        store["destruction"] = {"physical": "none"}
        for table in store["tables"]:
            if table["name"] == "contacts":
                table["purpose"] = CRM_PURPOSE
    header = "# pdpipe's benchmark policy (bench/policy.py): the demo's, contacts depersonalized\n"
    return header + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=100)


def write_policy(folder: Path, url: str) -> Path:
    """policy.yaml for `url` in `folder`, checked by pdpipe's own loader."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / POLICY_FILE
    path.write_text(policy_text(url), encoding="utf-8")
    load(path)  # a policy pdpipe would refuse fails here, before anything is timed
    return path


def load(path: Path) -> Policy:
    """The policy as pdpipe reads it, with the benchmark's pseudonym key."""
    return load_policy(path, {KEY_VARIABLE: BENCH_KEY})
