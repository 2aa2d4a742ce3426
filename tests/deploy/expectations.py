"""The example policy's reviewed suites: `expectations/` at the repository's top, which
docker/policy.yaml names. They are built from the policy and the schema of the compose
stack's stores: the demo's tables in one PostgreSQL database, as `pdpipe demo --url`
loads them there (docs/deploy.md).

    .venv/bin/python -m tests.deploy.expectations   # builds such stores, writes expectations/

Needs the PostgreSQL server the tests use (PDPIPE_TEST_PG_URL, default 127.0.0.1:5432).
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pdpipe.demo import build_demo
from pdpipe.policy import Policy, load_policy
from pdpipe.validation import suites
from tests.conftest import PG_ADMIN_URL, _fresh_database
from tests.deploy import files

FOLDER = files.ROOT / "expectations"
REGENERATE = ".venv/bin/python -m tests.deploy.expectations"
# The suites depend on the tables, not on the rows: a small demo gives the same ones.
_SUBJECTS, _SEED, _DAY = 50, 1, datetime.date(2026, 11, 25)


@contextmanager
def compose_stores() -> Iterator[str]:
    """A fresh PostgreSQL database holding both demo stores, as compose's `pdpipe`
    database does; dropped afterwards. Yields its URL."""
    with (
        contextmanager(_fresh_database)(PG_ADMIN_URL, "PostgreSQL") as url,
        tempfile.TemporaryDirectory(prefix="pdpipe-expectations-") as folder,
    ):
        build_demo(Path(folder), subjects=_SUBJECTS, seed=_SEED, url=url, as_of=_DAY)
        yield url


def example_policy(url: str) -> Policy:
    """docker/policy.yaml with both stores at `url`, as compose sets them."""
    return load_policy(files.SAMPLE_POLICY, {"PDPIPE_MAILING_URL": url, "PDPIPE_CRM_URL": url})


def main() -> None:
    with compose_stores() as url:
        written = suites.write(example_policy(url), FOLDER)
    for path in written:
        print(path.relative_to(files.ROOT))
    print(f"wrote {len(written)} suite(s); review them with `git diff expectations/`")


if __name__ == "__main__":
    main()
