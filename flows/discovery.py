"""Deployment entrypoint: the weekly discovery scan (see prefect.yaml)."""

from pdpipe.flows.discovery import discovery_flow as discovery

__all__ = ["discovery"]
