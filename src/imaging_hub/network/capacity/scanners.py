"""A scanner in the network's register: what it is and what research it can do."""

from __future__ import annotations

from dataclasses import dataclass

from imaging_hub.network.errors import NetworkInputError


@dataclass(frozen=True)
class Scanner:
    scanner_id: str
    site: str
    modality: str
    manufacturer: str
    model: str
    field_strength_t: float | None = None  # MR only
    software_version: str = ""
    capabilities: frozenset[str] = frozenset()  # e.g. contrast, dwi, spectroscopy, phantom
    weekly_hours: float | None = None  # all opening hours, clinical and research: the base of the research share

    def __post_init__(self) -> None:
        if self.weekly_hours is not None and not 0.0 < self.weekly_hours <= 168.0:
            raise NetworkInputError(f"scanner {self.scanner_id}: weekly opening hours must be within (0, 168]")

    def can_do(self, modality: str, capabilities: frozenset[str]) -> bool:
        return self.modality == modality and capabilities <= self.capabilities
