"""How much work a study is to report, relative to a CT: configurable per modality and per modality + body part."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from imaging_hub.network.errors import NetworkInputError

DEFAULT_MODALITY_WEIGHTS = {"CT": 1.0, "MR": 1.5, "XR": 0.3, "CR": 0.3, "DX": 0.3, "US": 0.5, "NM": 1.2, "PT": 1.5}


@dataclass(frozen=True)
class WorkloadWeights:
    by_modality: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_MODALITY_WEIGHTS))
    by_modality_body_part: Mapping[tuple[str, str], float] = field(default_factory=dict)
    otherwise: float = 1.0

    def weight(self, modality: str, body_part: str) -> float:
        key = (modality.upper(), body_part.upper())
        if key in self.by_modality_body_part:
            return self.by_modality_body_part[key]
        return self.by_modality.get(modality.upper(), self.otherwise)

    @classmethod
    def parse(cls, spec: str) -> WorkloadWeights:
        """'CT=1.0,MR=1.5,MR/HEAD=2.0,*=1.0' on top of the defaults; '*' sets the weight of anything unlisted."""
        modality = dict(DEFAULT_MODALITY_WEIGHTS)
        body_part: dict[tuple[str, str], float] = {}
        otherwise = 1.0
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key, sep, raw = item.partition("=")
            try:
                value = float(raw)
            except ValueError:
                value = -1.0
            if not sep or not key.strip() or not value >= 0.0:
                raise NetworkInputError(f"workload weight '{item}': expected MODALITY[/BODYPART]=NUMBER (not negative)")
            name = key.strip().upper()
            if name == "*":
                otherwise = value
            elif "/" in name:
                mod, _, part = name.partition("/")
                body_part[(mod.strip(), part.strip())] = value
            else:
                modality[name] = value
        return cls(modality, body_part, otherwise)
