"""A database given by its URL alone (`scan --url`, `init --url`), and the form of that
URL a policy file may hold: never a password."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy.engine import make_url

from pdpipe.errors import BadInput
from pdpipe.policy.models import StoreSpec

PASSWORD_VARIABLE = "PDPIPE_STORE_PASSWORD"
_NOT_SLUG = re.compile(r"[^a-z0-9_-]+")


def bare_store(url: str) -> StoreSpec:
    """A store with no tables declared, named after its database (`crm.db` -> crm)."""
    try:
        database = make_url(url).database or "store"
    except Exception as exc:  # SQLAlchemy's ArgumentError, and what a hostile URL raises
        raise BadInput(f"--url: not a database URL ({type(exc).__name__})") from None
    return StoreSpec.model_construct(name=store_name(database), url=url, tables=[])


def store_name(database: str) -> str:
    """A policy's store name (a slug) for a database name or SQLite path."""
    slug = _NOT_SLUG.sub("-", Path(database).stem.lower()).strip("-_")
    return slug or "store"


def url_for_policy(url: str, policy_dir: Path | None) -> str:
    """`url` as a policy file should hold it: a password becomes ${PDPIPE_STORE_PASSWORD},
    set in the environment where pdpipe runs; a SQLite file's path is written relative to
    the policy's folder (where the policy reads it from)."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        database = parsed.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return url
        path = Path(database).expanduser().absolute()
        if policy_dir is not None:
            path = Path(os.path.relpath(path, policy_dir.absolute()))
        return f"{parsed.drivername}:///{path.as_posix()}"
    if parsed.password is None:
        return parsed.render_as_string(hide_password=False)
    marker = "pdpipestorepassword"  # survives URL escaping unchanged, unlike "${...}"
    text = parsed.set(password=marker).render_as_string(hide_password=False)
    return text.replace(f":{marker}@", f":${{{PASSWORD_VARIABLE}}}@", 1)
