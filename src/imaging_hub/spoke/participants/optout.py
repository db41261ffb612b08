"""The national data opt-out register, as the site receives it from NHS England's check service.

The file holds one NHS number a line with the date it was checked (``9434765919,2024-05-01``; comma, tab
or spaces between; a header line and blank lines are allowed). The register keeps only keyed hashes of the
numbers, so the spoke's database never holds an opted-out person's number in clear.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from imaging_hub.errors import ImagingHubError
from imaging_hub.spoke.participants.identity import SubjectHasher, normalise_nhs_number

_SEPARATOR = re.compile(r"[,\t;|]")
_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%d-%m-%Y")


class OptOutFileError(ImagingHubError, ValueError):
    """The opt-out file is not in the expected format (the message names the line, never the number)."""


@dataclass(frozen=True)
class OptOutEntry:
    nhs_hash: str
    checked_on: dt.date


def _parse_date(text: str, line_number: int) -> dt.date:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise OptOutFileError(f"line {line_number}: date checked is not a date (expected YYYY-MM-DD)")


def parse_opt_out_lines(lines: Iterable[str], hasher: SubjectHasher) -> list[OptOutEntry]:
    """Parse the check service's file. Any bad line fails the whole file: a partial register is unsafe."""
    entries: list[OptOutEntry] = []
    for line_number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in _SEPARATOR.split(line)] if _SEPARATOR.search(line) else line.rsplit(None, 1)
        if len(fields) != 2:
            if line_number == 1 and not any(ch.isdigit() for ch in line):
                continue  # a header such as "NHS_NUMBER,DATE_CHECKED"
            raise OptOutFileError(f"line {line_number}: expected an NHS number and the date checked")
        number_text, date_text = fields
        number = normalise_nhs_number(number_text)
        if number is None:
            if line_number == 1 and not any(ch.isdigit() for ch in number_text):
                continue
            raise OptOutFileError(f"line {line_number}: not a valid NHS number (ten digits, modulus 11 check)")
        entries.append(OptOutEntry(hasher.hash(number), _parse_date(date_text, line_number)))
    return entries


def read_opt_out_file(path: Path, hasher: SubjectHasher) -> list[OptOutEntry]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise OptOutFileError(f"opt-out file not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise OptOutFileError(f"opt-out file {path.name} is not UTF-8 text") from exc
    return parse_opt_out_lines(text.splitlines(), hasher)
