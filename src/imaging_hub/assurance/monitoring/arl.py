"""In-control average run length (ARL0) of one-sided charts on a 0/1 error sequence, and the control limit that
achieves a stated ARL0.

Method: the Markov-chain approximation of Brook & Evans (1972). The chart statistic is placed on a grid of
``STATES`` points between its floor and the control limit; each case moves it to the grid point nearest its
update after an error (probability p) or a correct call, and anything above the limit is the absorbing alarm
state. The ARL from the start point solves (I - Q) m = 1 on the sparse transition matrix Q. The limit is then
found by bisection as the smallest one whose ARL0 reaches the target. The tests check it by simulation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.sparse import csr_matrix, identity
from scipy.sparse.linalg import spsolve

STATES = 3000

Update = Callable[[np.ndarray, int], np.ndarray]


def markov_arl(update: Update, p: float, limit: float, start: float, floor: float = 0.0) -> float:
    """ARL of the chart that alarms when ``update`` takes its statistic above ``limit``, errors at rate p."""
    step = (limit - floor) / STATES
    grid = floor + step * np.arange(STATES)
    rows, cols, probs = [], [], []
    for outcome, probability in ((1, p), (0, 1.0 - p)):
        after = update(grid, outcome)
        stays = after <= limit
        rows.append(np.flatnonzero(stays))
        cols.append(np.clip(np.rint((after[stays] - floor) / step), 0, STATES - 1).astype(int))
        probs.append(np.full(int(stays.sum()), probability))
    q = csr_matrix((np.concatenate(probs), (np.concatenate(rows), np.concatenate(cols))), shape=(STATES, STATES))
    run_lengths = spsolve((identity(STATES, format="csr") - q).tocsc(), np.ones(STATES))
    return float(run_lengths[int(np.clip(round((start - floor) / step), 0, STATES - 1))])


def limit_for_arl(arl_of: Callable[[float], float], target: float, low: float, high: float,
                  tolerance: float = 1e-3) -> tuple[float, float]:
    """Smallest limit in [low, high] whose ARL0 reaches ``target`` (ARL0 grows with the limit)."""
    while arl_of(high) < target:
        low, high = high, high * 2
    while high - low > tolerance:
        middle = (low + high) / 2
        if arl_of(middle) >= target:
            high = middle
        else:
            low = middle
    return high, arl_of(high)
