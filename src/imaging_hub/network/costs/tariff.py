"""The annual tariff: what each item or hour of staff time costs in one NHS financial year (April to March).

A tariff file is CSV with the columns ``year`` (the financial year, ``2025/26``), ``code``, ``description``,
``unit`` (``item``: the price of one occurrence; ``hour``: the price of an hour of a staff role's time, charged
for the activity's minutes) and ``price`` (pounds and pence, ``123.45``). Every row names the same year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path

from imaging_hub.network.costs.errors import CostsInputError, Problem
from imaging_hub.network.costs.money import to_pence
from imaging_hub.network.costs.table import read_rows

_YEAR = re.compile(r"(\d{4})/(\d{2})")
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
TARIFF_COLUMNS = ("year", "code", "description", "unit", "price")


class TariffUnit(Enum):
    ITEM = "item"
    HOUR = "hour"


@dataclass(frozen=True)
class TariffItem:
    code: str
    description: str
    unit: TariffUnit
    price: Decimal

    def cost(self, minutes: int) -> Decimal:
        """One occurrence, to the penny: the item price, or the hourly price for ``minutes`` (rounded half up)."""
        if self.unit is TariffUnit.ITEM:
            return self.price
        return to_pence(self.price * minutes / 60)


def parse_financial_year(text: str) -> int | None:
    """The calendar year a financial year such as ``2025/26`` starts in, or ``None`` if the text is not one."""
    match = _YEAR.fullmatch(text.strip())
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        return None
    return int(match[1])


def financial_year_of(month: str) -> int:
    """The start year of the financial year a ``YYYY-MM`` month falls in (April starts the year)."""
    match = _MONTH.fullmatch(month)
    if not match:
        raise ValueError("a month is written YYYY-MM")
    year, number = int(match[1]), int(match[2])
    return year if number >= 4 else year - 1


def is_month(text: str) -> bool:
    return _MONTH.fullmatch(text) is not None


@dataclass(frozen=True)
class Tariff:
    """One financial year's prices, by code."""

    starts: int  # the calendar year whose April begins it
    items: dict[str, TariffItem]

    @property
    def year(self) -> str:
        return f"{self.starts}/{(self.starts + 1) % 100:02d}"

    def __contains__(self, code: object) -> bool:
        return code in self.items

    def __getitem__(self, code: str) -> TariffItem:
        return self.items[code]


def read_tariff(path: Path) -> Tariff:
    """Read and check a tariff file; raise ``CostsInputError`` naming every bad row and column."""
    problems: list[Problem] = []
    items: dict[str, TariffItem] = {}
    years: set[int] = set()
    for row in read_rows(path, TARIFF_COLUMNS, (), problems):
        starts = parse_financial_year(row.text("year"))
        if starts is None and row.optional("year"):
            row.fail("year", "expected a financial year such as 2025/26")
        code = row.text("code")
        item = TariffItem(code, row.text("description"), row.choice("unit", TariffUnit) or TariffUnit.ITEM,
                          row.pounds("price"))
        if code in items:
            row.fail("code", "repeats a code listed on an earlier row")
        if row.ok and starts is not None:
            items[code] = item
            years.add(starts)
    if len(years) > 1:
        problems.append(Problem(path.name, None, "year", "names more than one financial year (one file per year)"))
    if not problems and not items:
        problems.append(Problem(path.name, None, None, "has no tariff rows"))
    if problems:
        raise CostsInputError(problems)
    return Tariff(years.pop(), items)


class Tariffs:
    """The tariffs of several financial years; a month is costed with the tariff of the year it falls in."""

    def __init__(self, tariffs: list[Tariff]) -> None:
        self._by_year: dict[int, Tariff] = {}
        for tariff in tariffs:
            if tariff.starts in self._by_year:
                raise CostsInputError([Problem("tariffs", None, "year", f"{tariff.year} is given twice")])
            self._by_year[tariff.starts] = tariff

    def for_month(self, month: str) -> Tariff | None:
        return self._by_year.get(financial_year_of(month))

    @property
    def years(self) -> list[str]:
        return [t.year for t in sorted(self._by_year.values(), key=lambda t: t.starts)]
