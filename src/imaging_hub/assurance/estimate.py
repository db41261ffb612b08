"""An estimate with its 95% interval, the shape every figure in validation.json takes."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def json_document(document: Any) -> bytes:
    """The document as JSON, every value that is not a finite number (a slope on separated data, an interval
    that cannot be estimated) written as null: JSON has no infinity, and a reader must not get a broken file."""
    return json.dumps(_finite_values(document), indent=1, allow_nan=False).encode()


def _finite_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _finite_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_values(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class Estimate:
    estimate: float
    low: float
    high: float

    @property
    def ci(self) -> tuple[float, float]:
        return (self.low, self.high)

    def to_json(self) -> dict[str, Any]:
        return {"estimate": _finite(self.estimate), "ci": [_finite(self.low), _finite(self.high)]}

    @classmethod
    def missing(cls) -> Estimate:
        return cls(math.nan, math.nan, math.nan)


def described(figure: Mapping[str, Any] | None, digits: int = 3) -> str:
    """A figure of validation.json (``{estimate, ci}``) for a person, in reports and at the console:
    "0.812 (0.701 to 0.902)"; what could not be estimated (null) reads "-"."""
    if figure is None or figure.get("estimate") is None:
        return "-"
    low, high = figure.get("ci") or (None, None)
    return f"{_number(figure['estimate'], digits)} ({_number(low, digits)} to {_number(high, digits)})"


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"
