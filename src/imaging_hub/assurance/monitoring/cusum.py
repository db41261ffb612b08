"""Bernoulli CUSUM on the error (discordance) rate, tuned to detect a rise from p0 to p1.

Each case adds its log-likelihood ratio, log(p1/p0) for an error and log((1-p1)/(1-p0)) for a correct call;
the sum is floored at 0 and an alarm is raised when it crosses h. One alarm per episode: the chart is re-armed
only once the sum has fallen back to 0, so a lasting rise is reported once, not every few cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from imaging_hub.assurance.monitoring.arl import limit_for_arl, markov_arl


@dataclass(frozen=True)
class CusumDesign:
    p0: float
    p1: float
    h: float
    arl0_target: float
    arl0: float

    @property
    def increments(self) -> tuple[float, float]:
        return (math.log((1 - self.p1) / (1 - self.p0)), math.log(self.p1 / self.p0))

    def to_json(self) -> dict[str, Any]:
        return {"p0": self.p0, "p1": self.p1, "h": self.h, "arl0_target": self.arl0_target, "arl0": self.arl0,
                "method": "Bernoulli CUSUM; h by bisection on the Brook-Evans Markov-chain ARL0"}


def design_cusum(p0: float, arl0_target: float, shift: float = 2.0) -> CusumDesign:
    p1 = min(p0 * shift, (1 + p0) / 2)
    down, up = math.log((1 - p1) / (1 - p0)), math.log(p1 / p0)

    def update(s: np.ndarray, error: int) -> np.ndarray:
        return np.maximum(0.0, s + (up if error else down))

    h, arl0 = limit_for_arl(lambda h: markov_arl(update, p0, h, 0.0), arl0_target, up / 2, 4 * up)
    return CusumDesign(p0, p1, h, arl0_target, arl0)


def run_cusum(design: CusumDesign, errors: NDArray[np.int_]) -> tuple[NDArray[np.float64], list[int]]:
    """The statistic after each case and the positions (in ``errors``) where alarms were raised."""
    down, up = design.increments
    statistic = np.empty(len(errors))
    alarms = []
    s, armed = 0.0, True
    for i, error in enumerate(errors):
        s = max(0.0, s + (up if error else down))
        statistic[i] = s
        if armed and s > design.h:
            alarms.append(i)
            armed = False
        elif s == 0.0:
            armed = True
    return statistic, alarms
