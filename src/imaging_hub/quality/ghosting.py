"""MR ghosting: background signal along the phase-encode direction against the frequency-encode direction.

Ghosts repeat the object along the phase-encode direction, so the background beside the object in that
direction brightens. Ratio = (mean background along phase - mean along frequency) / mean signal (as ACR's
percent-signal ghosting). Without InPlanePhaseEncodingDirection the absolute difference is reported.
"""

from __future__ import annotations

import numpy as np

from imaging_hub.quality.body_mask import Regions
from imaging_hub.quality.results import Metrics
from imaging_hub.quality.volume import Volume


def ghosting(volume: Volume, regions: Regions, signal_mean: float | None) -> Metrics:
    if volume.modality != "MR" or not signal_mean:
        return {"ghosting_ratio": None}
    vertical: list[np.ndarray] = []  # above and below the object: along the columns
    horizontal: list[np.ndarray] = []  # left and right of it: along the rows
    for z in range(volume.values.shape[0]):
        body = regions.body[z]
        if not body.any():
            continue
        rows = np.nonzero(body.any(axis=1))[0]
        cols = np.nonzero(body.any(axis=0))[0]
        beside_rows = np.zeros_like(body)
        beside_rows[rows[0]:rows[-1] + 1, :] = True
        beside_cols = np.zeros_like(body)
        beside_cols[:, cols[0]:cols[-1] + 1] = True
        background = regions.background[z]
        vertical.append(volume.values[z][background & beside_cols & ~beside_rows])
        horizontal.append(volume.values[z][background & beside_rows & ~beside_cols])
    along_columns = np.concatenate(vertical) if vertical else np.empty(0)
    along_rows = np.concatenate(horizontal) if horizontal else np.empty(0)
    if along_columns.size == 0 or along_rows.size == 0:
        return {"ghosting_ratio": None}
    difference = float(along_columns.mean() - along_rows.mean())
    if volume.phase_encoding == "ROW":
        difference = -difference
    elif volume.phase_encoding != "COL":
        difference = abs(difference)
    return {"ghosting_ratio": difference / signal_mean}
