"""Reading the network's CSV inputs: every refusal names the file, the row and the column.

Rows are counted as a spreadsheet shows them: the header is row 1, the first record row 2. Values are never
echoed in errors, because a column such as a participant's home location can identify someone.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from imaging_hub.network.errors import NetworkInputError

_Fail = Callable[[str], NetworkInputError]  # builds the error for one cell from what was wrong with it
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0", ""}


@dataclass(frozen=True)
class Row:
    """One record of a CSV file, with typed accessors that refuse bad cells by row and column."""

    source: str
    number: int
    cells: dict[str, str]

    def error(self, column: str, problem: str) -> NetworkInputError:
        return NetworkInputError(f"{self.source} row {self.number}, column '{column}': {problem}")

    def text(self, column: str) -> str:
        value = self.cells.get(column, "").strip()
        if not value:
            raise self.error(column, "is empty")
        return value

    def optional_text(self, column: str) -> str | None:
        value = self.cells.get(column, "").strip()
        return value or None

    def items(self, column: str) -> frozenset[str]:
        """A ';'-separated set, empty when the cell is."""
        return frozenset(part.strip() for part in self.cells.get(column, "").split(";") if part.strip())

    def number_value(self, column: str, *, default: float | None = None, minimum: float | None = None) -> float:
        raw = self.cells.get(column, "").strip()
        if not raw and default is not None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise self.error(column, "expected a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise self.error(column, "expected a finite number")
        if minimum is not None and value < minimum:
            raise self.error(column, f"must be at least {minimum:g}")
        return value

    def integer(self, column: str, *, default: int | None = None, minimum: int | None = None) -> int:
        raw = self.cells.get(column, "").strip()
        if not raw and default is not None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise self.error(column, "expected a whole number") from None
        if minimum is not None and value < minimum:
            raise self.error(column, f"must be at least {minimum}")
        return value

    def boolean(self, column: str) -> bool:
        raw = self.cells.get(column, "").strip().lower()
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        raise self.error(column, "expected true or false")

    def day(self, column: str) -> date:
        return parse_day(self.text(column), lambda problem: self.error(column, problem))

    def optional_day(self, column: str) -> date | None:
        return None if self.optional_text(column) is None else self.day(column)

    def days(self, column: str) -> frozenset[date]:
        return frozenset(parse_day(part, lambda problem: self.error(column, problem)) for part in self.items(column))

    def clock_time(self, column: str) -> time:
        try:
            return time.fromisoformat(self.text(column))
        except ValueError:
            raise self.error(column, "expected a time of day HH:MM") from None

    def instant(self, column: str) -> datetime:
        return parse_instant(self.text(column), lambda problem: self.error(column, problem))


def parse_day(raw: str, fail: _Fail) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise fail("expected an ISO date YYYY-MM-DD") from None


def parse_instant(raw: str, fail: _Fail) -> datetime:
    """An ISO 8601 date-time with its UTC offset: a worklist spans sites, so a bare local time is ambiguous."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise fail("expected an ISO date-time such as 2025-03-03T09:30+00:00") from None
    if value.tzinfo is None:
        raise fail("the date-time needs a UTC offset (e.g. +00:00 or Z)")
    return value


def read_rows(path: Path, required: Sequence[str]) -> Iterator[Row]:
    """The file's records, after checking the header has every required column."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise NetworkInputError(f"{path.name}: cannot be read ({exc.strerror})") from None
    with handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in (reader.fieldnames or [])]
        missing = [name for name in required if name not in header]
        if missing:
            raise NetworkInputError(f"{path.name} row 1: missing column(s) {', '.join(missing)}")
        reader.fieldnames = header
        for index, record in enumerate(reader, start=2):
            if None in record:
                raise NetworkInputError(f"{path.name} row {index}: more cells than the header has columns")
            yield Row(path.name, index, {key: value or "" for key, value in record.items()})
