"""Prefect flows: thin wrappers that call the library.

    pdpipe.flows.retention   the nightly retention job (retention_flow)
    pdpipe.flows.integrity   the weekly integrity check (integrity_flow)
    pdpipe.flows.discovery   the weekly discovery scan (discovery_flow)
    pdpipe.flows.requests    the hourly subject requests (requests_flow)
    pdpipe.flows.serve       all deployments with their schedules (pdpipe serve)

Deployment entrypoints for `prefect deploy` live in the project's top-level flows/.
Nothing is imported here, so `import pdpipe.flows.parameters` does not load Prefect.
"""
