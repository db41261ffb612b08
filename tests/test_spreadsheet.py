"""The one CSV writer every export uses: text that would start a spreadsheet formula is defused, numbers are not."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from imaging_hub.spreadsheet import csv_text, csv_writer, defused, safe_cell, undefused

# What a person might type into a name, label or note, each a formula to a spreadsheet (OWASP CSV injection).
HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0"]
ORDINARY = ["", "Whole-body MRI", "1+2", "a=b", "foo@example.org", "RGT", "2025-07-01", "x-ray", " =1", "'quoted",
            "line\rbreak", "two\nlines"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_is_written_as_text(text: str) -> None:
    assert defused(text) == "'" + text
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert defused(text) == text and undefused(text) == text


@pytest.mark.parametrize("value", [-3.5, -7, 0, Decimal("-12.50"), 2.25, True])
def test_a_number_the_exporter_wrote_stays_a_number(value: object) -> None:
    assert safe_cell(value) is value
    assert list(csv.reader(io.StringIO(csv_text(["n"], [[value]])))) == [["n"], [str(value)]]


def test_text_that_looks_like_a_negative_number_is_text() -> None:
    """Only the type says what is a number: "-3.5" typed into a note is text, and defused like any text."""
    assert safe_cell("-3.5") == "'-3.5"


def test_empty_and_other_values() -> None:
    assert safe_cell(None) is None
    assert safe_cell(date(2025, 7, 1)) == "2025-07-01"

    class Odd:
        def __str__(self) -> str:
            return "=1+1"

    assert safe_cell(Odd()) == "'=1+1"


@pytest.mark.parametrize("text", [*HOSTILE, *ORDINARY, "'=1", "''+2", "'", "''", "'-3.5"])
def test_undefused_gives_back_exactly_what_was_written(text: str) -> None:
    assert undefused(defused(text)) == text
    assert not defused(text).startswith(tuple("=+-@\t\r"))


def test_the_file_still_parses_with_the_csv_reader() -> None:
    rows = [[text, -3.5, Decimal("4.00"), None, 12] for text in [*HOSTILE, *ORDINARY]]
    out = io.StringIO(newline="")
    writer = csv_writer(out)
    writer.writerow(["text", "float", "money", "empty", "count"])
    writer.writerows(rows)
    parsed = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert parsed[0] == ["text", "float", "money", "empty", "count"]
    for (text, *numbers), written in zip(parsed[1:], rows, strict=True):
        assert undefused(text) == written[0]
        assert not text.startswith(tuple("=+-@\t\r"))
        assert numbers == ["-3.5", "4.00", "", "12"]
