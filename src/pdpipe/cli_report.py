"""`pdpipe report …`: the documents that prove what a run did, and the dashboard."""

from __future__ import annotations

import typer

report_app = typer.Typer(
    help="Proof and review: destruction acts, event-log extracts, the dashboard.",
    no_args_is_help=True,
)
