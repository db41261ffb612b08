"""An estimate with its 95% interval, the shape every figure in validation.json takes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


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
