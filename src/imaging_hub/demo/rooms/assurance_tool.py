"""The demo's registered AI tool: a tiny ONNX model built here (mean image intensity through a logistic, the same
feature the demo's readers judge), registered with its locked threshold and hash, run over a released snapshot of
the project as Dask jobs, validated against the demo's labels, and monitored with the planted change's alarms
kept in the register, so the hub's AI assurance pages have something real to show.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from rich.table import Table

from imaging_hub.assurance import (
    Actor,
    AssuranceRoom,
    ClusterChoice,
    InstanceInput,
    NotFound,
    RunSpec,
    ToolSpec,
    ValidationOptions,
    cases_from_results,
    file_sha256,
    mean_intensity_model,
    run_model,
    validate_table,
)
from imaging_hub.demo.governance_setup import AGREEMENT
from imaging_hub.demo.rooms.cases import DemoCase
from imaging_hub.governance import ArchiveSource, Governance, TrailSink
from imaging_hub.governance import administration as admin
from imaging_hub.store import Archive

LEAD = "lead@university.example"
THRESHOLD = 0.5


def _model(archive: Archive, cases: list[DemoCase]) -> bytes:
    """Centred on the cohort's median feature, scaled to the stored bit range the model sees."""
    first = archive.instances(cases[0].study_uid)[0]
    full = float(2 ** int(pydicom.dcmread(first.path, stop_before_pixels=True).get("BitsStored", 16)) - 1)
    features = np.array([c.feature for c in cases]) / full
    return mean_intensity_model(float(np.median(features)), 2.0 / (float(features.std()) or 1.0))


def register_and_run(gov: Governance, archive: Archive, project: str, cases: list[DemoCase], folder: Path,
                     monitoring: dict[str, Any]) -> tuple[Table, dict[str, Any]]:
    folder.mkdir(parents=True, exist_ok=True)

    room = AssuranceRoom.open(archive.database.writer, audit=TrailSink(gov.audit))
    actor = Actor(LEAD, kind="demo", manages=None)
    model = folder / "dense-finding.onnx"
    model.write_bytes(_model(archive, cases))
    try:
        tool = room.find_tool("Demo dense-finding detector", "1.0")
    except NotFound:
        tool = room.register_tool(actor, ToolSpec("Demo dense-finding detector", "Imaging Hub demo", "1.0",
                                                  "Flag CT studies with a dense finding for priority reading",
                                                  THRESHOLD, file_sha256(model)))
    room.check_model(actor, tool, model)
    lead = gov.access.principal_for(admin.find_person(gov, LEAD).id)
    snapshot = gov.snapshots.create(lead, project, AGREEMENT, ArchiveSource(archive), "AI validation cohort")
    reference = f"{project}/v{snapshot.version}"
    cohort = []
    for item in gov.snapshots.items(snapshot):
        held = archive.get(item.sop_instance_uid)
        if held is not None:
            cohort.append(InstanceInput(held.sop_instance_uid, held.study_instance_uid, held.patient_id,
                                        item.site or "unknown", str(held.path)))
    found = run_model(model, tool.model_sha256, cohort, cluster=ClusterChoice(n_workers=2, processes=False))
    inference = room.record_run(actor, tool.id, RunSpec(
        "inference", "onnx", project, reference, AGREEMENT,
        {"instances": len(found.instances), "studies": len(found.studies), "failed": len(found.failed)}),
        found.results)
    labels = {c.study_uid: {"label": str(int(c.finding))} for c in cases}
    table = cases_from_results(found.studies, labels, source=f"run {inference.id}")
    document = validate_table(table, ValidationOptions(tool.threshold), folder / "validation",
                              {"name": f"run {inference.id} of {tool.label} over {reference} under {AGREEMENT}",
                               "sha256": file_sha256(model)})
    room.record_run(actor, tool.id, RunSpec("validation", "onnx", project, reference, AGREEMENT,
                                            {"from_run": inference.id, "n": document["n"], "auc": document["auc"]},
                                            str((folder / "validation").resolve())))
    watched = room.record_run(actor, tool.id, RunSpec("monitoring", "csv", project, reference, AGREEMENT,
                                                      {"n": monitoring["rows"], "alarms": len(monitoring["alarms"])},
                                                      str(folder.parent.resolve())))
    alarms = room.record_alarms(actor, watched, monitoring["alarms"])
    auc = document["auc"]
    shown = Table(title=f"AI tool register: {tool.label} (ONNX, sha256 {tool.model_sha256[:12]}...)", min_width=110)
    for column in ("step", "result"):
        shown.add_column(column)
    shown.add_row(f"ONNX run over {reference} ({AGREEMENT})",
                  f"{len(found.instances)} instances, {len(found.studies)} studies scored on a Dask LocalCluster")
    shown.add_row("validated against the demo's labels",
                  f"AUC {auc['estimate']:.3f} (95% CI {auc['ci'][0]:.3f} to {auc['ci'][1]:.3f}), n={document['n']}")
    shown.add_row("monitoring alarms kept open in the register", str(len(alarms)))
    shown.caption = f"see /assurance/tools/{tool.id} in the hub"
    summary = {"tool": tool.id, "inference_run": inference.id, "auc": auc, "alarms": len(alarms)}
    (folder / "register.json").write_text(json.dumps(summary, indent=1))
    return shown, summary
