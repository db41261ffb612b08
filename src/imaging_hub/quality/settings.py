"""The hub's quality settings: the ``[quality]`` table of the hub's TOML file, or ``IMAGING_HUB_QUALITY_*``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from imaging_hub.cluster import ClusterChoice
from imaging_hub.config import LayeredSettings


class QualitySettings(LayeredSettings):
    model_config = SettingsConfigDict(env_prefix="IMAGING_HUB_QUALITY_")
    config_table: ClassVar[str | None] = "quality"

    subscribe: bool = True  # assess each series as it arrives
    scheduler: str | None = None  # a Dask scheduler address, e.g. tcp://10.0.0.5:8786; None: a LocalCluster
    workers: int | None = Field(default=None, ge=1)  # LocalCluster workers (None: Dask's choice)
    processes: bool = True  # LocalCluster of processes (numpy without the GIL) rather than threads
    settle_seconds: float = Field(default=2.0, ge=0)  # wait for the rest of a study before assessing it

    @property
    def cluster(self) -> ClusterChoice:
        return ClusterChoice(self.scheduler, self.workers, self.processes)
