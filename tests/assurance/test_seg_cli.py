"""``imaging-hub assurance score-seg``: an AI tool's own DICOM SEG outputs, stored in the archive and released in
a snapshot, scored against reference SEGs (built here with highdicom) and kept as a run; refusals are clear."""

from __future__ import annotations

import json
from pathlib import Path

import highdicom as hd
import numpy as np
import pytest
from pydicom.uid import generate_uid
from typer.testing import CliRunner

from api.hub import part10
from imaging_hub.assurance import Actor, AssuranceRoom, ToolSpec
from imaging_hub.cli import app
from imaging_hub.config import HubSettings
from imaging_hub.governance import ArchiveSource, Governance, Grant, Principal, Role, Scope
from imaging_hub.governance import administration as admin
from imaging_hub.store import Archive

from .test_segmentation import ball, ct_series, reference_metrics

SHAPE = (12, 32, 32)


def _seg(source: list, mask: np.ndarray, label: str, model: str, version: str) -> hd.seg.Segmentation:
    description = hd.seg.SegmentDescription(
        segment_number=1,
        segment_label=label,
        segmented_property_category=hd.sr.CodedConcept("91723000", "SCT", "Anatomical structure"),
        segmented_property_type=hd.sr.CodedConcept("39607008", "SCT", "Lung"),
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
        algorithm_identification=hd.AlgorithmIdentificationSequence(
            model, hd.sr.CodedConcept("123109", "DCM", "AI"), version
        ),
    )
    return hd.seg.Segmentation(
        source_images=source,
        pixel_array=mask.astype(np.uint8),
        segmentation_type="BINARY",
        segment_descriptions=[description],
        series_instance_uid=generate_uid(),
        series_number=100,
        sop_instance_uid=generate_uid(),
        instance_number=1,
        manufacturer="Acme AI",
        manufacturer_model_name=model,
        software_versions=version,
        device_serial_number="1",
    )


def _hub_folder(data: Path, refs: Path) -> dict[str, tuple[float, float, float]]:
    """Three CT series with the tool's SEG (and one SEG by another tool) in PROJ1/v1; reference SEGs in refs."""
    archive = Archive.open(data)
    expected = {}
    for n, shift in enumerate((0, 1, 3)):
        source = ct_series()
        ref, pred = ball(SHAPE, (6, 16, 16), 7.0), ball(SHAPE, (6, 16 + shift, 16), 6.0)
        outputs = [_seg(source, pred, "lung (AI)", "LungSeg", "4")]
        if n == 0:
            outputs.append(_seg(source, ref, "lung (other)", "OtherTool", "1"))  # not this tool's: left out
        for ds in [*source, *outputs]:
            ds.ClinicalTrialProtocolID, ds.ClinicalTrialSiteID = "PROJ1", "RXA"
            archive.store_bytes(part10(ds))
        _seg(source, ref, "lung (reader)", "Reader", "1").save_as(refs / f"ref-{n}.dcm")
        expected[f"ref-{n}.dcm"] = reference_metrics(ref, pred, 2.0)
    gov = Governance.open(HubSettings(data=data).database_url)
    try:
        admin.add_site(gov, "RXA", "Trust RXA")
        admin.add_organisation(gov, "Example University", "university")
        admin.add_project(gov, "PROJ1", "Lungs", sites=["RXA"])
        for reference in ("DSA-1", "DSA-DRAFT"):
            admin.add_agreement(gov, reference, "Example University", ["PROJ1"], "AI validation", ["imaging"])
        admin.activate_agreement(gov, "DSA-1", "tests")
        person = admin.add_person(gov, "lead@uni.example", "Lee Lead", "Example University")
        lead = Principal(
            person_id=person.id,
            email=person.email,
            display_name=person.display_name,
            organisation_id=person.organisation_id,
            grants=frozenset({Grant(Role.PROJECT_LEAD, "PROJ1")}),
            scopes=frozenset(Scope),
        )
        gov.snapshots.create(lead, "PROJ1", "DSA-1", ArchiveSource(archive), "SEG cohort")
        room = AssuranceRoom.open(archive.database.writer)
        room.register_tool(
            Actor("tests", manages=None), ToolSpec("LungSeg", "Acme AI", "4", "Lung masks", 0.5, "e" * 64)
        )
    finally:
        gov.close()
        archive.close()
    return expected


def test_the_tools_seg_outputs_in_a_snapshot_are_scored_and_kept_as_a_run(tmp_path: Path) -> None:
    data, refs, out = tmp_path / "hub", tmp_path / "refs", tmp_path / "out"
    refs.mkdir()
    expected = _hub_folder(data, refs)
    args = ["assurance", "score-seg", "1", "--snapshot", "PROJ1/v1", "--reference", str(refs), "--data", str(data)]

    refused = CliRunner().invoke(app, [*args, "--agreement", "DSA-DRAFT", "--out", str(out)])
    assert refused.exit_code != 0 and "DSA-DRAFT" in refused.output and not out.exists()

    result = CliRunner().invoke(app, [*args, "--agreement", "DSA-1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads((out / "segmentation.json").read_text())
    assert sorted(c["case"] for c in document["cases"]) == sorted(expected)  # the other tool's SEG is not scored
    for case in document["cases"]:
        dice, hd95, surface = expected[case["case"]]
        assert case["dice"] == pytest.approx(dice, rel=1e-9)
        assert case["hd95_mm"] == pytest.approx(hd95, rel=1e-4, abs=1e-4)
        assert case["surface_dice"] == pytest.approx(surface, rel=1e-9)
    assert document["summary"]["dice"]["mean"] == pytest.approx(np.mean([e[0] for e in expected.values()]))
    archive = Archive.open(data)
    try:
        runs = AssuranceRoom.open(archive.database.writer).runs(1)
    finally:
        archive.close()
    assert [(r.kind, r.source, r.snapshot, r.summary["n"]) for r in runs] == [("validation", "dicom", "PROJ1/v1", 3)]
