"""What `pdpipe demo` clears before it builds its stores anew: the previous build's runs.

A rebuilt demo is a new operator's first night. The previous build's run folders (each
run's summary, Data Docs and documents, the period documents, the dashboard) and its
access reports describe records that no longer exist; left in place, `report verify`
would call them documents the new ledger never issued. They are removed, but only inside
the demo's own folder: run outputs that PDPIPE_OUTPUT_DIR sends elsewhere belong to the
user and are left alone (and named). With `--url` the stores live in a server database
that keeps pdpipe's own tables (ledger, runs, request register) across builds: those are
dropped with the demo's tables, so the new ledger starts empty as on SQLite.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pdpipe.demo.marker import MARKER
from pdpipe.demo.policy_file import GENERATED_BY
from pdpipe.settings import output_dir

POLICY_FILE = "policy.yaml"
ACCESS_REPORTS = "access-reports"  # the demo policy's requests.reports (the default)


@dataclass
class Cleared:
    removed: list[Path] = field(default_factory=list)  # folders removed, in the demo folder
    kept: list[Path] = field(default_factory=list)  # the previous outputs outside it, kept
    tables: list[str] = field(default_factory=list)  # pdpipe's tables dropped (--url)


def is_demo_folder(directory: Path) -> bool:
    """A folder an earlier `pdpipe demo` built (its marker, or its generated policy):
    never a user's own folder that happens to hold a runs/."""
    if (directory / MARKER).is_file():
        return True
    policy = directory / POLICY_FILE
    try:
        with policy.open(encoding="utf-8") as stream:
            return stream.readline().rstrip("\n") == GENERATED_BY
    except (OSError, UnicodeDecodeError):
        return False


def clear_previous_build(directory: Path, url: str | None = None) -> Cleared:
    """Remove the previous demo build's outputs in `directory` (see the module's text)."""
    cleared = Cleared()
    if not is_demo_folder(directory):
        return cleared
    home = directory.resolve()
    for folder in (output_dir(directory / POLICY_FILE), directory / ACCESS_REPORTS):
        if not folder.exists():
            continue
        inside = folder.resolve().is_relative_to(home) and folder.resolve() != home
        if inside and folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder)
            cleared.removed.append(folder)
        else:
            cleared.kept.append(folder)
    if url is not None:
        cleared.tables = _drop_pdpipe_tables(url)
    return cleared


def _drop_pdpipe_tables(url: str) -> list[str]:
    import sqlalchemy as sa

    from pdpipe.requests import register
    from pdpipe.stores import tables
    from pdpipe.stores.drivers import plain_engine

    engine = plain_engine(url)
    try:
        with engine.begin() as connection:
            present = set(sa.inspect(connection).get_table_names())
            dropped = [
                t.name
                for metadata in (register.metadata, tables.metadata)
                for t in metadata.sorted_tables
                if t.name in present
            ]
            register.metadata.drop_all(connection, checkfirst=True)
            tables.metadata.drop_all(connection, checkfirst=True)
    finally:
        engine.dispose()
    return sorted(dropped)
