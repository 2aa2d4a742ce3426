"""Every environment variable pdpipe reads, in one place, with what it is for.

docs/environment.md documents this table (a test keeps the two, and docker-compose.yml
and prefect.yaml, in agreement): a variable pdpipe reads is listed here, and a
variable listed here is read somewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field, ValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from pdpipe.errors import BadInput

PSEUDONYM_KEY = "PDPIPE_PSEUDONYM_KEY"
DASK_ADDRESS = "PDPIPE_DASK_ADDRESS"
OUTPUT_DIR = "PDPIPE_OUTPUT_DIR"
PREFECT_CONSOLE = "PDPIPE_PREFECT_CONSOLE"
DEBUG = "PDPIPE_DEBUG"
RETRY_DELAYS = "PDPIPE_RETRY_DELAYS"

ENVIRONMENT: dict[str, str] = {
    PSEUDONYM_KEY: "the key of the keyed operators (pseudonym, fake, shuffle, distort), when "
    "the policy says secrets: {pseudonym_key: env:PDPIPE_PSEUDONYM_KEY}; never in the policy",
    DASK_ADDRESS: "address of a running Dask scheduler (tcp://host:8786): partitions run on "
    "its workers instead of threads; 'local' starts a LocalCluster",
    OUTPUT_DIR: "folder for pdpipe's writable outputs: run folders (summary.json, documents, "
    "Data Docs), the dashboard, access reports (a relative requests.reports); default: runs/ "
    "beside the policy, access reports beside the policy",
    PREFECT_CONSOLE: "1 keeps Prefect's own console logging on the terminal",
    DEBUG: "1 shows tracebacks of internal errors",
    RETRY_DELAYS: "seconds between retries of a task that met a transient store error "
    "(unreachable, deadlock, lock timeout), comma-separated; default 2,10,30",
    "PDPIPE_POLICY": "prefect.yaml: the policy path as the worker sees it",
    "PDPIPE_PROJECT_DIR": "prefect.yaml: the folder a worker runs the flows from (this repo)",
    "PDPIPE_MAILING_URL": "demo policy: the mailing store's SQLAlchemy URL",
    "PDPIPE_CRM_URL": "demo policy: the CRM store's SQLAlchemy URL",
    "PDPIPE_DEMO_PASSWORD": "demo policy with --url: the database password",
    "PDPIPE_CONTACT_KEY": "demo policy: the request register's key (secrets.contact_key): "
    "it encrypts requesters' addresses and keys their hashes; never in the policy",
}
"""Store URLs of your own policy are whatever ${VAR}s it names; the demo's are listed."""


def _comma_separated(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """pdpipe's own PDPIPE_* variables, read once and checked: a malformed value is an
    error naming the variable, never silently replaced by a default. Secrets (the keys)
    and store URLs are not here: the policy names them and policy/secrets.py reads them."""

    model_config = SettingsConfigDict(env_prefix="PDPIPE_", extra="ignore")

    output_dir: Path | None = None
    dask_address: str | None = None
    # PDPIPE_DEBUG and PDPIPE_PREFECT_CONSOLE are not here: the error handler reads
    # them, and reading them must never fail (any non-empty value turns them on).
    retry_delays: Annotated[
        list[Annotated[float, Field(ge=0, le=3600)]],
        NoDecode,
        BeforeValidator(_comma_separated),
    ] = Field(default_factory=lambda: [2.0, 10.0, 30.0], max_length=10)


def settings() -> Settings:
    """The environment's settings as they are now (read at each call: cheap, and a
    process that sets a variable, as `pdpipe serve --dask` does, is seen at once)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            problems.append(f"PDPIPE_{field.upper()}: {error['msg']}")
        raise BadInput(
            "malformed environment variable: " + "; ".join(problems) + " (see docs/environment.md)"
        ) from None


def output_dir(policy_path: Path) -> Path:
    configured = settings().output_dir
    return configured if configured else policy_path.parent / "runs"


def retry_delays() -> list[float]:
    return list(settings().retry_delays)
