"""Deployment entrypoint: the weekly integrity flow (see prefect.yaml)."""

from pdpipe.flows.integrity import integrity_flow as integrity

__all__ = ["integrity"]
