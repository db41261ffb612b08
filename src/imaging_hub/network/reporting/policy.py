"""The routing policy's settings: workload weights, when visibility widens, how strongly share targets nudge."""

from __future__ import annotations

from dataclasses import dataclass, field

from imaging_hub.network.errors import NetworkInputError
from imaging_hub.network.reporting.workload import WorkloadWeights


@dataclass(frozen=True)
class RoutingPolicy:
    weights: WorkloadWeights = field(default_factory=WorkloadWeights)
    # A task is offered network-wide once the time left falls below this fraction of its turnaround target.
    escalate_fraction: float = 0.25
    # Workload units one whole share of a subspecialty's work is worth when nudging toward a share target.
    share_weight: float = 2.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.escalate_fraction <= 1.0:
            raise NetworkInputError("the escalation fraction must be between 0 and 1")
        if self.share_weight < 0.0:
            raise NetworkInputError("the share weight cannot be negative")
