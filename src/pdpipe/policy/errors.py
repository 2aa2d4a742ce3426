"""Problems found in a policy, each tied to its place in the file."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pdpipe.errors import BadInput

Loc = tuple[str | int, ...]
MAX_SHOWN = 100  # problems printed; the rest are counted


def format_loc(loc: Loc) -> str:
    """`('stores', 0, 'tables', 1, 'key')` -> `stores[0].tables[1].key`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "." in part:  # a JSON path such as attribs.phone is one key
            text += f'["{part}"]'
        else:
            text += f".{part}" if text else part
    return text or "(top level)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy: where it is and what was expected."""

    loc: Loc
    message: str
    line: int | None = None
    # 1-based, for a problem with one value written in the file (a condition's literal
    # the store cannot hold): `at_value` asks for the value's own line and column.
    column: int | None = None
    at_value: bool = False

    @property
    def path(self) -> str:
        return format_loc(self.loc)

    def render(self, file: Path | None = None) -> str:
        where = ""
        if file is not None and self.line and self.column:
            where = f"{file}:{self.line}:{self.column}: "
        elif file is not None:
            where = f"{file}:{self.line}: " if self.line else f"{file}: "
        return f"{where}{self.path}: {self.message}"


class PolicyError(BadInput):
    """A policy with problems; `problems` lists every one found, not just the first."""

    def __init__(self, problems: Sequence[Problem], file: Path | None = None) -> None:
        self.problems = list(problems)
        self.file = file
        super().__init__(self.render())

    def __reduce__(self) -> tuple[type[PolicyError], tuple[list[Problem], Path | None]]:
        # Prefect stores a failed task's exception by pickling it; the default would call
        # PolicyError(message) and break on reading it back.
        return (type(self), (self.problems, self.file))

    def render(self) -> str:
        count = len(self.problems)
        head = f"{self.file or 'policy'}: {count:,} problem{'s' if count != 1 else ''}"
        shown = [f"  {p.render(self.file)}" for p in self.problems[:MAX_SHOWN]]
        if count > MAX_SHOWN:  # a file of 100,000 unknown keys is a wrong file, not a list
            shown.append(f"  … and {count - MAX_SHOWN:,} more")
        return "\n".join([head, *shown])

    @classmethod
    def collect(cls, problems: Iterable[Problem], file: Path | None = None) -> None:
        """Raise if there is any problem."""
        found = list(problems)
        if found:
            raise cls(found, file)
