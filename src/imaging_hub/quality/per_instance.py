"""The part of an acquisition protocol a spoke can check on each instance before delivery: attribute rules of
series recognised by modality, SeriesDescription and ProtocolName. Series-level rules (missing slices,
orientation, SNR) need the whole series and are checked at the hub."""

from __future__ import annotations

from dataclasses import dataclass

from imaging_hub.quality.protocol import AcquisitionProtocol


@dataclass(frozen=True)
class InstanceRule:
    series: str  # the protocol's series name, for the finding
    attribute: str
    modality: str | None
    series_description: str | None
    protocol_name: str | None
    min: float | None = None
    max: float | None = None
    one_of: tuple[str, ...] | None = None
    equals: str | None = None
    required: bool = False


def instance_rules(protocol: AcquisitionProtocol) -> tuple[list[InstanceRule], list[str]]:
    """The rules a spoke can apply per instance, and what it cannot (named, so the face can say so)."""
    rules: list[InstanceRule] = []
    left_out: list[str] = []
    for series in protocol.series:
        match = series.match
        if match.sequence_name is not None:
            left_out.append(f"series {series.name!r}: recognised by SequenceName, checked at the hub")
            continue
        for keyword, rule in series.attributes.items():
            if rule.component is not None or rule.present is False:
                left_out.append(f"series {series.name!r}: {keyword} (a component or an absence), checked at the hub")
                continue
            rules.append(InstanceRule(
                series.name, keyword, match.modality, match.series_description, match.protocol_name,
                min=rule.min, max=rule.max, required=bool(rule.present),
                one_of=tuple(_text(v) for v in rule.one_of) if rule.one_of is not None else None,
                equals=_text(rule.equals) if rule.equals is not None else None,
            ))
    return rules, left_out


def _text(value: str | float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
