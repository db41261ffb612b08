"""The network's capacity register: sites with locations, scanners, and research session templates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from imaging_hub.network.capacity.scanners import Scanner
from imaging_hub.network.capacity.sessions import SessionTemplate, Slot, expand
from imaging_hub.network.capacity.sites import SiteLocation
from imaging_hub.network.errors import NetworkInputError


@dataclass(frozen=True)
class CapacityRegister:
    sites: Mapping[str, SiteLocation]
    scanners: Mapping[str, Scanner]
    templates: Sequence[SessionTemplate] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for scanner in self.scanners.values():
            if scanner.site not in self.sites:
                raise NetworkInputError(f"scanner {scanner.scanner_id}: site {scanner.site} is not in the register")
        seen: set[str] = set()
        for template in self.templates:
            if template.scanner_id not in self.scanners:
                raise NetworkInputError(f"session {template.session_id}: unknown scanner {template.scanner_id}")
            if template.session_id in seen:
                raise NetworkInputError(f"session {template.session_id} appears more than once")
            seen.add(template.session_id)

    def slots(self, first: date, weeks: int) -> list[Slot]:
        return expand(self.templates, self.scanners, first, weeks)
