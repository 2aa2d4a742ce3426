"""Prefect flows: thin wrappers that call the library (deployments: ../../flows/)."""

from pdpipe.flows.retention import retention_flow

__all__ = ["retention_flow"]
