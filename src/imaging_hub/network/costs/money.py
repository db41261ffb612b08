"""Money as exact pounds and pence: ``Decimal`` quantised to 0.01, never a float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
_POUNDS = re.compile(r"\d{1,9}(\.\d{1,2})?")


def parse_pounds(text: str) -> Decimal | None:
    """``'12'``, ``'12.5'`` or ``'12.50'`` as pounds; ``None`` if the text is anything else (signs, ``£``, 3 dp)."""
    text = text.strip()
    if not _POUNDS.fullmatch(text):
        return None
    return Decimal(text).quantize(PENNY)


def to_pence(amount: Decimal) -> Decimal:
    """Round to the penny, halves away from zero (the way a finance office rounds an invoice line)."""
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)
