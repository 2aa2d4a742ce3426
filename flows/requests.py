"""Deployment entrypoint: the hourly subject-requests flow (see prefect.yaml)."""

from pdpipe.flows.requests import requests_flow as requests

__all__ = ["requests"]
