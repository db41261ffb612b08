"""A labelling task on a governed test hub: LUNG1 gets three more studies (four in all), read by the annotator
and the researcher, managed by the project's lead. Shared by the labelling page tests and the browser tests."""

from __future__ import annotations

import io

import numpy as np
from pydicom import dcmread
from pydicom.dataset import Dataset

from governance.hub import Hub, study_bytes
from imaging_hub.labelling import (
    Actor,
    Cohort,
    CohortStudy,
    LabellingRoom,
    Labels,
    TaskSpec,
    carry_project,
    make_segmentation,
    parse_schema,
    part10,
)
from imaging_hub.store import Query

LEAD = Actor("lead@uni.example", manages=frozenset({"LUNG1"}))
ANN = "ann@uni.example"
RES = "res@uni.example"
LABEL_CLASSES = ("1.2.840.10008.5.1.4.1.1.88.", "1.2.840.10008.5.1.4.1.1.66.")  # SR and SEG storage
SCHEMA = {
    "questions": [{"name": "finding", "text": "Dense finding", "categories": ["absent", "present"]}],
    "segments": [{"label": "Nodule", "type": "Nodule"}],
    "measurements": [
        {"name": "diameter", "code": {"value": "410668003", "scheme": "SCT", "meaning": "Length"}, "unit": "mm"}
    ],
}


def lung_studies(hub: Hub) -> list[str]:
    """LUNG1's studies, adding three (seeds 40..42) the first time."""
    if "LUNG1-more" not in hub.studies:
        for seed in (40, 41, 42):
            for blob in study_bytes("LUNG1", "RXX", seed):
                hub.archive.store_bytes(blob)
        hub.studies["LUNG1-more"] = "added"
    return sorted(
        str(ds.StudyInstanceUID) for ds in hub.archive.search(Query("STUDY", {"ClinicalTrialProtocolID": "LUNG1"}))
    )


def room(hub: Hub) -> LabellingRoom:
    return LabellingRoom.open(hub.archive.database.writer)


def make_task(
    hub: Hub, name: str, readers: tuple[str, ...] = (ANN, RES), project: str = "LUNG1", adjudicator: str | None = None
) -> int:
    studies = lung_studies(hub) if project == "LUNG1" else [hub.studies[project]]
    site = "RXX" if project == "LUNG1" else "RYY"
    manager = Actor("lead@uni.example", manages=frozenset({project}))
    labelling = room(hub)
    task = labelling.create_task(
        manager,
        TaskSpec(
            project,
            name,
            Cohort(
                "query", f'{{"ClinicalTrialProtocolID": "{project}"}}', tuple(CohortStudy(uid, site) for uid in studies)
            ),
            parse_schema(SCHEMA),
            readers,
            reads_per_study=min(2, len(readers)),
            blinded=True,
            adjudicator=adjudicator,
        ),
    )
    labelling.assign(manager, task.id)
    return task.id


def read(hub: Hub, task_id: int, reader: str, study: str, answer: str) -> None:
    room(hub).submit_read(Actor(reader), task_id, study, Labels({"finding": answer}))


def images(hub: Hub, study: str) -> list[Dataset]:
    """The study's images, without the labels earlier tests stored into it."""
    return [dcmread(i.path) for i in hub.archive.instances(study) if not i.sop_class_uid.startswith(LABEL_CLASSES)]


def seg_bytes(hub: Hub, study: str, reader: str, corner: int = 4) -> tuple[str, bytes]:
    """A SEG of the study's series as the viewer would save it: one square 'Nodule' on every frame."""
    sources = images(hub, study)
    mask = np.zeros((len(sources), int(sources[0].Rows), int(sources[0].Columns)), dtype=bool)
    mask[:, corner : corner + 6, corner : corner + 6] = True
    seg = make_segmentation(sources, {"Nodule": mask}, parse_schema(SCHEMA), reader)
    carry_project(seg, sources[0])
    return str(seg.SOPInstanceUID), part10(seg)


def stow_body(data: bytes, boundary: str = "segboundary") -> tuple[bytes, dict[str, str]]:
    body = (
        f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + data + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'}


def sop_class(hub: Hub, uid: str) -> str:
    held = hub.archive.get(uid)
    assert held is not None
    return str(dcmread(io.BytesIO(held.path.read_bytes()), stop_before_pixels=True).SOPClassUID)
