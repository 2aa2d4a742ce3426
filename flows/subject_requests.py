"""Deployment entrypoint: the hourly subject-requests flow (see prefect.yaml).

Not `requests.py`: Prefect puts this folder on sys.path, where that name would shadow the
`requests` library Great Expectations imports."""

from pdpipe.flows.requests import requests_flow as requests

__all__ = ["requests"]
