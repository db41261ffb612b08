"""A spoke project's acquisition protocol as its acquisition checks: the face joins the quality room's
protocol to the spoke's per-instance checks, so neither room imports the other."""

from __future__ import annotations

from imaging_hub.quality import instance_rules as protocol_instance_rules
from imaging_hub.quality import load_protocol
from imaging_hub.spoke import AcquisitionRule, SpokeSettings


def with_protocol_checks(settings: SpokeSettings) -> tuple[SpokeSettings, list[str]]:
    """Settings whose projects also check their ``quality_protocol``'s per-instance rules (ProtocolError when
    a protocol is wrong), and the protocol rules left to the hub."""
    projects = []
    left_to_hub: list[str] = []
    for project in settings.projects:
        if project.quality_protocol is None:
            projects.append(project)
            continue
        rules, left_out = protocol_instance_rules(load_protocol(project.quality_protocol))
        left_to_hub += [f"project {project.id}: {item}" for item in left_out]
        checks = [AcquisitionRule(
            attribute=r.attribute, modalities=[r.modality] if r.modality else [], required=r.required,
            equals=r.equals, one_of=list(r.one_of) if r.one_of is not None else None, min=r.min, max=r.max,
            action=project.quality_protocol_action, series_description=r.series_description,
            protocol_name=r.protocol_name,
        ) for r in rules]
        projects.append(project.model_copy(update={"acquisition_checks": [*project.acquisition_checks, *checks]}))
    return settings.model_copy(update={"projects": projects}), left_to_hub
