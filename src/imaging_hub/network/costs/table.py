"""Reading the costs CSV files cell by cell, collecting every problem by row and column instead of stopping.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2. A cell's value is
never repeated in a problem, so an error message is safe to show or log whatever a file holds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TypeVar

from imaging_hub.network.costs.errors import Problem
from imaging_hub.network.costs.money import ZERO, parse_pounds

E = TypeVar("E", bound=Enum)
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


class Cells:
    """One record row. Each accessor returns a usable value; a bad cell is recorded and a placeholder returned,
    and ``ok`` says whether the row is clean enough to use."""

    def __init__(self, source: str, number: int, cells: dict[str, str], problems: list[Problem]) -> None:
        self.source = source
        self.number = number
        self._cells = cells
        self._problems = problems
        self._before = len(problems)

    @property
    def ok(self) -> bool:
        return len(self._problems) == self._before

    def fail(self, column: str | None, message: str) -> None:
        self._problems.append(Problem(self.source, self.number, column, message))

    def optional(self, column: str) -> str | None:
        return self._cells.get(column, "").strip() or None

    def text(self, column: str) -> str:
        value = self.optional(column)
        if value is None:
            self.fail(column, "is empty")
            return ""
        return value

    def flag(self, column: str, default: bool | None = None) -> bool:
        raw = (self.optional(column) or "").lower()
        if raw in _YES:
            return True
        if raw in _NO:
            return False
        if not raw and default is not None:
            return default
        self.fail(column, "expected yes or no")
        return False

    def whole(self, column: str, *, minimum: int = 0, default: int | None = None) -> int:
        raw = self.optional(column)
        if raw is None and default is not None:
            return default
        if raw is None or not (raw.isascii() and raw.isdigit()):
            self.fail(column, f"expected a whole number of at least {minimum}")
            return minimum
        value = int(raw)
        if value < minimum:
            self.fail(column, f"must be at least {minimum}")
        return value

    def pounds(self, column: str) -> Decimal:
        value = parse_pounds(self.optional(column) or "")
        if value is None:
            self.fail(column, "expected pounds and pence such as 12.50 (no sign, no £, at most 2 decimals)")
            return ZERO
        return value

    def choice(self, column: str, kind: type[E], *, blank: E | None = None) -> E | None:
        """One of the enum's values; ``blank`` when the cell is empty (a problem if no blank is allowed)."""
        raw = self.optional(column)
        if raw is None:
            if blank is None:
                self.fail(column, "is empty")
            return blank
        for member in kind:
            if _loose(str(member.value)) == _loose(raw):
                return member
        self.fail(column, "expected one of " + ", ".join(str(m.value) for m in kind))
        return blank


def read_rows(
    path: Path, required: Sequence[str], optional: Sequence[str], problems: list[Problem]
) -> Iterator[Cells]:
    """The file's record rows. Header problems (a missing, unknown or repeated column) are recorded and no rows
    are read; a row with more cells than the header is recorded and skipped."""
    source = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's "CSV UTF-8" starts with a byte-order mark
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(source, None, None, f"cannot be read as UTF-8 text ({type(exc).__name__})"))
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        problems.append(Problem(source, 1, None, "has no header row"))
        return
    names = [name.strip().lower() for name in header]
    known = set(required) | set(optional)
    header_ok = True
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem(source, 1, name, "appears more than once"))
        header_ok = False
    for name in names:
        if name not in known:
            problems.append(Problem(source, 1, name or "(blank)", "is not a column this file has"))
            header_ok = False
    for name in required:
        if name not in names:
            problems.append(Problem(source, 1, name, "is missing"))
            header_ok = False
    if not header_ok:
        return
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue  # spreadsheets leave blank lines at the end
        if len(values) > len(names):
            problems.append(Problem(source, number, None, f"has {len(values)} cells but the header {len(names)}"))
            continue
        yield Cells(source, number, dict(zip(names, values, strict=False)), problems)


def _loose(text: str) -> str:
    """``Local co-ordination``, ``local_coordination`` and ``LOCAL COORDINATION`` name the same thing."""
    return "".join(ch for ch in text.lower() if ch.isalnum())
