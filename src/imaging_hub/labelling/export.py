"""A task's labels as files: reads and final labels as CSV, the SEG/SR objects as DICOM files, and a manifest.

The CSV files go through ``imaging_hub.spreadsheet`` (text that would start a formula is defused, measurements
stay numbers), and ``import_csv`` undoes the defusing, so an edited ``reads.csv`` imports as it was read.
The caller checks that a data-sharing agreement in force covers the export and records it; this writes the
folder whole or not at all (into a temporary sibling, renamed into place), with every file's SHA-256 in
``manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from imaging_hub.labelling.adjudication import FinalLabels
from imaging_hub.labelling.errors import LabellingError
from imaging_hub.labelling.model import Read, Task
from imaging_hub.spreadsheet import csv_text

READS_FILE = "reads.csv"
FINAL_FILE = "final.csv"
MANIFEST_FILE = "manifest.json"
LABELS_FOLDER = "labels"

LabelBytes = Callable[[str], bytes | None]  # SOP Instance UID -> the archived Part 10 bytes (None: not held)


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """Readers' names and answers as defused text, measurements as numbers (``imaging_hub.spreadsheet``)."""
    return csv_text(header, rows).encode("utf-8")


def reads_csv(task: Task, reads: Sequence[Read]) -> bytes:
    questions = [q.name for q in task.schema.questions]
    measurements = [m.name for m in task.schema.measurements]
    site = {s.study_uid: s.site for s in task.studies}
    return _csv(["study_uid", "site", "reader", "role", "source", "read_at", *questions, *measurements],
                [[r.study_uid, site.get(r.study_uid, ""), r.reader, r.role, r.source, r.read_at.isoformat(),
                  *(r.answers.get(q, "") for q in questions), *(r.measurements.get(m, "") for m in measurements)]
                 for r in reads])


def final_csv(task: Task, finals: Mapping[str, FinalLabels | None]) -> bytes:
    questions = [q.name for q in task.schema.questions]
    measurements = [m.name for m in task.schema.measurements]
    rows: list[list[Any]] = []
    for study in task.studies:
        final = finals.get(study.study_uid)
        if final is None:
            rows.append([study.study_uid, study.site, "pending", *([""] * (len(questions) + len(measurements)))])
        else:
            rows.append([study.study_uid, study.site, final.basis, *(final.answers.get(q, "") for q in questions),
                         *(final.measurements.get(m, "") for m in measurements)])
    return _csv(["study_uid", "site", "basis", *questions, *measurements], rows)


def export_task(task: Task, reads: Sequence[Read], finals: Mapping[str, FinalLabels | None], folder: Path,
                label_bytes: LabelBytes, *, agreement: str) -> dict[str, Any]:
    """Write the export into ``folder`` (which must not exist yet); returns the manifest."""
    if folder.exists():
        raise LabellingError(f"{folder.name}: already exists; exports never overwrite")
    files: dict[str, bytes] = {READS_FILE: reads_csv(task, reads), FINAL_FILE: final_csv(task, finals)}
    for r in reads:
        for uid in r.label_uids:
            data = label_bytes(uid)
            if data is None:
                raise LabellingError(f"label object {uid} of a read of study {r.study_uid} is not in the archive")
            files[f"{LABELS_FOLDER}/{uid}.dcm"] = data
    manifest = {"task": task.to_json(), "agreement": agreement, "reads": len(reads),
                "final": sum(1 for f in finals.values() if f is not None),
                "files": [{"path": p, "bytes": len(d), "sha256": hashlib.sha256(d).hexdigest()}
                          for p, d in sorted(files.items())]}
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        for path, data in [*files.items(), (MANIFEST_FILE, json.dumps(manifest, indent=2).encode())]:
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest
