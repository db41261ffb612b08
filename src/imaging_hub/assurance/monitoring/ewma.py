"""Upper EWMA chart on the error (discordance) rate: Z = lambda*error + (1-lambda)*Z, started at p0.

The alarm limit is p0 + L * sd, with sd the asymptotic standard deviation of Z; L is chosen for the stated
in-control ARL by the same Markov chain as the CUSUM. One alarm per episode: re-armed once Z is back at or
below p0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from imaging_hub.assurance.monitoring.arl import limit_for_arl, markov_arl


@dataclass(frozen=True)
class EwmaDesign:
    p0: float
    weight: float
    width: float  # L, in asymptotic standard deviations
    limit: float
    arl0_target: float
    arl0: float

    def to_json(self) -> dict[str, Any]:
        return {"p0": self.p0, "lambda": self.weight, "L": self.width, "ucl": self.limit,
                "arl0_target": self.arl0_target, "arl0": self.arl0,
                "method": "upper EWMA; L by bisection on the Brook-Evans Markov-chain ARL0"}


def design_ewma(p0: float, arl0_target: float, weight: float = 0.05) -> EwmaDesign:
    sd = math.sqrt(weight / (2 - weight) * p0 * (1 - p0))

    def update(z: np.ndarray, error: int) -> np.ndarray:
        return weight * error + (1 - weight) * z

    width, arl0 = limit_for_arl(lambda w: markov_arl(update, p0, p0 + w * sd, p0), arl0_target, 0.5, 4.0)
    return EwmaDesign(p0, weight, width, p0 + width * sd, arl0_target, arl0)


def run_ewma(design: EwmaDesign, errors: NDArray[np.int_]) -> tuple[NDArray[np.float64], list[int]]:
    statistic = np.empty(len(errors))
    alarms = []
    z, armed = design.p0, True
    for i, error in enumerate(errors):
        z = design.weight * error + (1 - design.weight) * z
        statistic[i] = z
        if armed and z > design.limit:
            alarms.append(i)
            armed = False
        elif z <= design.p0:
            armed = True
    return statistic, alarms
