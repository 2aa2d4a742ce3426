"""`pdpipe report verify`: each document checked against what the ledger recorded for it.

    verified  its SHA-256 is the one the ledger recorded for it
    edited    the ledger recorded this document (through the index.json beside it: the
              digest it lists, or its issue and file name) with another SHA-256
    unknown   nothing of it is in this policy's ledgers: neither its digest nor its issue
              (documents of another ledger, e.g. before `pdpipe demo --rebuild`, or
              files pdpipe never issued)
    missing   recorded (listed in its index.json, or in the ledger for that issue) and
              the file is gone

The index links a file to the ledger: its `issue_id` is the run_id of the ledger rows
that recorded the issue's documents, each under `<folder>/<file>` with its digest. An
index edited to list a forged digest does not help: the issue's own rows still name the
file with the digest it was issued with. Whether the ledger itself is intact is
`ledger verify`'s question (the CLI asks both).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import ClassVar

from pdpipe import json_files
from pdpipe.errors import BadInput
from pdpipe.json_files import Format, Part
from pdpipe.policy.models import Policy
from pdpipe.report.documents.issue import Recorded, recorded, sha256_of
from pdpipe.report.formats import INDEX, Document, DocumentsIndex

VERIFY_FORMAT = "pdpipe.documents-verified/1"


class Status(StrEnum):
    VERIFIED = "verified"
    EDITED = "edited"
    UNKNOWN = "unknown"
    MISSING = "missing"


class DocumentCheck(Part):
    file: str  # as found from the paths given
    status: Status
    sha256: str | None  # the file's digest now; None when it is missing
    recorded_sha256: str | None  # the digest recorded for it, when anything recorded it
    recorded_as: str | None  # <folder>/<file> in the ledger, when the ledger knows it

    @property
    def ok(self) -> bool:
        return self.status is Status.VERIFIED


class LedgerState(Part):
    store: str
    ok: bool
    problems: list[str]


class VerifyReport(Format):
    """What `pdpipe report verify --json` prints."""

    FORMAT: ClassVar[str] = VERIFY_FORMAT

    format: str = VERIFY_FORMAT
    ok: bool  # every document verified, every ledger intact: exit 0
    counts: dict[Status, int]
    documents: list[DocumentCheck]
    ledgers: list[LedgerState]  # a digest found in a broken ledger proves nothing


@dataclass
class _Ledgers:
    """The documents the ledgers recorded: by digest, and by issue and file name."""

    by_sha: dict[str, Recorded] = field(default_factory=dict)
    by_issue: dict[str, dict[str, Recorded]] = field(default_factory=dict)

    @classmethod
    def of(cls, documents: list[Recorded]) -> _Ledgers:
        found = cls()
        for document in documents:  # oldest first: a file issued again keeps its latest
            found.by_sha[document.sha256] = document
            found.by_issue.setdefault(document.issue_id, {})[document.file] = document
        return found


@dataclass(frozen=True)
class _Target:
    path: Path
    listed: Document | None  # its entry in the index beside it
    issue_id: str | None  # that index's last issue


def verify(policy: Policy, paths: list[Path]) -> list[DocumentCheck]:
    """Each document under `paths` (files, folders of documents, or folders holding such
    folders, e.g. runs/) checked against the ledgers. A folder with an index.json is read
    through it; an index.json that is not one pdpipe wrote is a FormatError."""
    ledgers = _Ledgers.of(recorded(policy))
    checks: list[DocumentCheck] = []
    seen: set[Path] = set()
    for target in _targets(paths, ledgers):
        if target.path.resolve() not in seen:
            seen.add(target.path.resolve())
            checks.append(_check(target, ledgers))
    return checks


def _check(target: _Target, ledgers: _Ledgers) -> DocumentCheck:
    path, listed = target.path, target.listed
    by_name = ledgers.by_issue.get(target.issue_id or "", {}).get(path.name)
    # What this document should be: the digest its index lists, if the ledger has it;
    # else the one the ledger recorded for its issue and name.
    expected = (
        ledgers.by_sha[listed.sha256] if listed and listed.sha256 in ledgers.by_sha else by_name
    )
    if not path.is_file():
        return DocumentCheck(
            file=str(path),
            status=Status.MISSING,
            sha256=None,
            recorded_sha256=expected.sha256 if expected else listed.sha256 if listed else None,
            recorded_as=expected.name if expected else None,
        )
    digest = sha256_of(path)
    if expected is None:
        expected = ledgers.by_sha.get(digest)  # a document found outside its own folder
    if expected is None:
        status = Status.UNKNOWN
    else:
        status = Status.VERIFIED if expected.sha256 == digest else Status.EDITED
    return DocumentCheck(
        file=str(path),
        status=status,
        sha256=digest,
        recorded_sha256=expected.sha256 if expected else listed.sha256 if listed else None,
        recorded_as=expected.name if expected else None,
    )


def _targets(paths: list[Path], ledgers: _Ledgers) -> Iterator[_Target]:
    for path in paths:
        if not path.exists():
            raise BadInput(f"{path}: no such file or folder")
        if path.is_file():
            index = _index(path.parent)
            listed = index.by_file().get(path.name) if index else None
            yield _Target(path, listed, index.issue_id if index else None)
        elif (path / INDEX).is_file():
            yield from _folder(path, ledgers)
        else:
            beneath = sorted(p.parent for p in path.rglob(INDEX))
            if beneath:
                for folder in beneath:
                    yield from _folder(folder, ledgers)
            else:
                yield from (_Target(p, None, None) for p in _files(path))


def _folder(folder: Path, ledgers: _Ledgers) -> Iterator[_Target]:
    """The documents its index lists, any other file in it, and those the ledger recorded
    for its issue that are gone with their index entry."""
    index = _index(folder)
    assert index is not None
    listed = index.by_file()
    for name, document in listed.items():
        yield _Target(folder / name, document, index.issue_id)
    for path in _files(folder):
        if path.name not in listed:
            yield _Target(path, None, index.issue_id)
    for name in sorted(ledgers.by_issue.get(index.issue_id, {})):
        if name not in listed and not (folder / name).exists():
            yield _Target(folder / name, None, index.issue_id)


def _index(folder: Path) -> DocumentsIndex | None:
    index = folder / INDEX
    return json_files.read(index, DocumentsIndex) if index.is_file() else None


def _files(folder: Path) -> list[Path]:
    """A folder's files but its index (and a half-written one's leftover)."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.name != INDEX and not p.name.startswith(".")
    )


def report(checks: list[DocumentCheck], ledgers: list[LedgerState]) -> VerifyReport:
    counts = {status: sum(1 for c in checks if c.status is status) for status in Status}
    return VerifyReport(
        ok=all(c.ok for c in checks) and all(state.ok for state in ledgers),
        counts=counts,
        documents=checks,
        ledgers=ledgers,
    )
