"""Flow parameters as pydantic models: the Prefect UI shows them as a form."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from pdpipe.execute import DEFAULT_PARTITIONS
from pdpipe.execute.runner import RunOptions
from pdpipe.policy.models import Policy
from pdpipe.retention.decide import AsOf


class RetentionParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy_path: str = Field(description="path of policy.yaml, as the worker sees it")
    as_of: dt.datetime | None = Field(
        default=None,
        description="decide as of this instant (2026-11-25T02:00+05:00; without an offset, "
        "the operator's time; a bare date, the start of that day); empty: when the run starts",
    )
    max_fraction: float = Field(
        default=0.25, ge=0, le=1, description="refuse to touch more than this share of a table"
    )
    allow_large: bool = Field(default=False, description="confirm a run beyond max_fraction")
    batch_size: int = Field(default=5_000, ge=1, description="records per transaction")
    partitions: int = Field(
        default=DEFAULT_PARTITIONS,
        ge=1,
        le=64,
        description="key ranges per table processed in parallel",
    )
    dry_run: bool = Field(default=False, description="plan only; write nothing")

    def run_options(self, policy: Policy) -> RunOptions:
        """The job's options (as-of as `AsOf.given` reads it)."""
        as_of = self.as_of
        return RunOptions(
            as_of=AsOf.given(as_of, policy.operator.timezone) if as_of else None,
            max_fraction=self.max_fraction,
            allow_large=self.allow_large,
            batch_size=self.batch_size,
            dry_run=self.dry_run,
            partitions=self.partitions,
        )


class IntegrityParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy_path: str = Field(description="path of policy.yaml, as the worker sees it")


class RequestsParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy_path: str = Field(description="path of policy.yaml, as the worker sees it")
    mailbox: str | None = Field(
        default=None, description="mbox/Maildir/.eml folder to read; empty: requests.mailbox"
    )


class DiscoveryParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy_path: str = Field(description="path of policy.yaml, as the worker sees it")
    rows: int = Field(default=2_000, ge=10, le=100_000, description="rows sampled per table")
