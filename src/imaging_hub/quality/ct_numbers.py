"""CT numbers of air (the background) and water or soft tissue (the central region), in HU."""

from __future__ import annotations

import numpy as np

from imaging_hub.quality.body_mask import Regions
from imaging_hub.quality.results import Metrics
from imaging_hub.quality.volume import Volume


def ct_numbers(volume: Volume, regions: Regions) -> Metrics:
    if volume.modality != "CT":
        return {"ct_air_hu": None, "ct_water_hu": None}
    air = volume.values[regions.background]
    water = volume.values[regions.central]
    # The median for air: the table and the field's edge sit in the background too.
    return {"ct_air_hu": float(np.median(air)) if air.size else None,
            "ct_water_hu": float(np.mean(water)) if water.size else None}
