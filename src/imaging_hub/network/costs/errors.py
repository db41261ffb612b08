"""The one error the costs engine raises for input it cannot use, listing every problem found."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from imaging_hub.errors import ImagingHubError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file, row, column) and what. Never the cell's value."""

    source: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class CostsInputError(ImagingHubError, ValueError):
    """Input the attribution cannot use. ``problems`` lists each one; the message shows them all, one a line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
