"""The JSON files pdpipe writes and reads back, as pydantic models with a format id.

Each format (summary.json, the documents' index.json, the plan) is a `Format`: a model
whose `format` field names the format and its version (`pdpipe.run/1`), written with
`write` (model_dump_json) and read with `read` (model_validate_json), nowhere by hand.

Reading trusts nothing in the file: one larger than its format's LIMIT is refused before
it is parsed (a 50 MB file costs LIMIT bytes, not 50 MB of objects); not JSON, another
format or version, a missing field or a wrong type is one FormatError naming the file,
what was expected and where it differs, never a traceback. The file's values are not
quoted back: a hostile file could hold anything.

Within a version, fields are only ever added, with defaults, so that a file an earlier
pdpipe wrote still reads; a field that changes meaning makes a new version.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from pdpipe.errors import FormatError

MiB = 1 << 20
_FORMAT_ID = re.compile(r"[\w.-]{1,40}/\d{1,4}")
_MAX_PROBLEMS = 3


class Part(BaseModel):
    """A piece of a format: unknown keys ignored (a later pdpipe's additions), immutable
    once built. Read from a file, types are exact (no "3" for 3); built by pdpipe, a
    numpy count is a count (a run must not fail at its summary over an int64)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Format(Part):
    """A whole file: FORMAT is its id and version, LIMIT the largest file read."""

    FORMAT: ClassVar[str]
    LIMIT: ClassVar[int] = 16 * MiB

    format: str


class _Envelope(BaseModel):
    """What any format has: read first, for a clear word on a file of another format."""

    model_config = ConfigDict(extra="ignore")

    format: Any = None


def _wrong_format(expected: str, found: object) -> str:
    if found is None:
        return f"no `format` field: expected {expected}"
    if not isinstance(found, str) or not _FORMAT_ID.fullmatch(found):
        return f"its `format` is not {expected}"
    if found.split("/")[0] == expected.split("/")[0]:
        return (
            f"format {found} is a version this pdpipe does not read (it reads {expected}): "
            "written by a newer pdpipe?"
        )
    return f"format {found}, expected {expected}"


F = TypeVar("F", bound=Format)


def read(path: Path, model: type[F]) -> F:
    """The file as `model`, or FormatError naming the file and what is wrong with it."""
    too_large = f"larger than {model.LIMIT // MiB} MiB: not a {model.FORMAT} file pdpipe wrote"
    try:
        if path.stat().st_size > model.LIMIT:
            raise FormatError(path, too_large)  # not even read
        with path.open("rb") as stream:
            data = stream.read(model.LIMIT + 1)  # a file that grew since: still bounded
    except OSError as exc:
        raise FormatError(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    if len(data) > model.LIMIT:
        raise FormatError(path, too_large)
    try:
        found = _Envelope.model_validate_json(data).format
        if found != model.FORMAT:
            raise FormatError(path, _wrong_format(model.FORMAT, found))
        return model.model_validate_json(data, strict=True)
    except ValidationError as exc:
        raise FormatError(path, _problems(exc, model.FORMAT)) from None


def _problems(exc: ValidationError, expected: str) -> str:
    errors = exc.errors(include_input=False, include_url=False, include_context=False)
    if errors and errors[0]["type"] == "json_invalid":
        return f"not JSON ({errors[0]['msg'].removeprefix('Invalid JSON: ')}): expected {expected}"
    if errors and errors[0]["type"] == "model_type" and not errors[0]["loc"]:
        return f"expected a JSON object of format {expected}"
    shown = [_problem(error) for error in errors[:_MAX_PROBLEMS]]
    more = f" (and {len(errors) - _MAX_PROBLEMS} more)" if len(errors) > _MAX_PROBLEMS else ""
    return f"not a valid {expected} file: " + "; ".join(shown) + more


def _problem(error: Any) -> str:
    where = ""
    for part in error["loc"]:
        # A key is the file's own text: cut short, never a long quote of it.
        where += f"[{part}]" if isinstance(part, int) else f".{str(part)[:40]}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where.lstrip('.')}: {message}" if where else message


def write(path: Path, document: Format) -> None:
    """The file replaced whole: a reader (the dashboard, ledger verify --anchors) never
    sees half of it."""
    text = document.model_dump_json(indent=2)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
