"""``imaging-hub assurance score-seg``: the AI tool's own DICOM SEG outputs in a released snapshot, read from the
archive, scored against reference SEGs (Dice, HD95, surface Dice per case and summarised) and kept as a run."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from imaging_hub.cli._assurance_register import CONFIG, DATA, DATABASE, _hub, _in_force, console

SEG_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"  # Segmentation Storage


def add_seg_command(assurance: typer.Typer) -> None:
    @assurance.command("score-seg")
    def score_seg(
        tool_id: int = typer.Argument(..., help="The registered AI tool's id."),
        snapshot: str = typer.Option(..., "--snapshot", help="The governed cohort: a released snapshot, PROJ/vN."),
        agreement: str = typer.Option(..., "--agreement", help="The data-sharing agreement in force."),
        reference: Path = typer.Option(
            ..., "--reference", exists=True, file_okay=False, help="Folder of reference DICOM SEG files (.dcm)."
        ),
        out: Path = typer.Option(..., "--out", help="Folder for segmentation.json."),
        tolerance: float = typer.Option(2.0, "--tolerance-mm", help="Surface Dice tolerance in mm."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Score the tool's SEG outputs in a snapshot against reference SEGs, paired by the series they segment."""
        from pydicom import dcmread
        from pydicom.errors import InvalidDicomError

        from imaging_hub.assurance import AssuranceInputError, RunSpec, assess_seg_outputs, made_by, write_together

        with _hub(data, database, config) as hub:
            tool = hub.room.tool(tool_id)
            project, version = _in_force(hub, snapshot, agreement)
            outputs = []
            for item in hub.gov.snapshots.items(hub.gov.snapshots.get(project, version)):
                held = hub.archive.get(item.sop_instance_uid)
                if held is None or held.sop_class_uid != SEG_CLASS:
                    continue
                seg = dcmread(held.path)
                if made_by(seg, tool):
                    outputs.append((str(seg.SOPInstanceUID), seg))
            if not outputs:
                raise AssuranceInputError(f"snapshot {snapshot} holds no SEG made by {tool.label}")
            references = []
            for path in sorted(p for p in reference.iterdir() if p.suffix.lower() == ".dcm"):
                try:
                    references.append((path.name, dcmread(path)))
                except (InvalidDicomError, OSError):
                    raise AssuranceInputError(f"{path.name}: not a DICOM file") from None
            document = assess_seg_outputs(references, outputs, tolerance)
            document["snapshot"], document["agreement"] = snapshot, agreement
            write_together(out, {"segmentation.json": json.dumps(document, indent=1, allow_nan=False).encode()})
            run = hub.room.record_run(
                hub.actor,
                tool.id,
                RunSpec(
                    "validation",
                    "dicom",
                    project,
                    snapshot,
                    agreement,
                    {"segmentation": document["summary"], "n": len(document["cases"])},
                    str(out.resolve()),
                ),
            )
        dice = document["summary"]["dice"]
        console.print(
            f"segmentation run {run.id}: {len(document['cases'])} case(s), mean Dice "
            f"{dice.get('mean', float('nan')):.3f}. Wrote {out}/segmentation.json"
        )
